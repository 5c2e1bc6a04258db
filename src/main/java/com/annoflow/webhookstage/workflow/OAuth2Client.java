package com.annoflow.webhookstage.workflow;

import java.net.URI;

/**
 * A stage's {@code oauth2}: the client credentials grant (RFC 6749 section 4.4) that gets the bearer token its requests
 * carry. The secret comes from a reference ({@code {{env:NAME}}}); it and the tokens are never shown.
 */
public record OAuth2Client(URI tokenUrl, String clientId, String clientSecret, String scope,
        ClientAuthentication authentication) {

    /** How the client proves who it is to the token endpoint (RFC 6749 section 2.3.1). */
    public enum ClientAuthentication {
        /** HTTP Basic with the URL-encoded id and secret ({@code client_secret_basic}): the default the RFC requires. */
        BASIC,
        /** {@code client_id} and {@code client_secret} in the form body ({@code client_secret_post}). */
        POST
    }

    @Override
    public String toString() {
        return "OAuth2Client[" + tokenUrl.getScheme() + "://" + tokenUrl.getAuthority() + ", client_id=" + clientId
               + (scope == null ? "" : ", scope=" + scope) + ", client_secret=****]";
    }
}
