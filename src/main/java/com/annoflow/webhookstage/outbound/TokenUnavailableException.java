package com.annoflow.webhookstage.outbound;

import java.io.IOException;

/**
 * A stage's OAuth2 token could not be had (its token endpoint unreachable, refusing the client, or answering no
 * token): the attempt is not sent and counts as a failed one, its message the reason. An {@link IOException}, so the
 * route's handling of a request that got no answer takes it.
 */
public final class TokenUnavailableException extends IOException {

    public TokenUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public TokenUnavailableException(String message) {
        super(message);
    }
}
