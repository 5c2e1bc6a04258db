package com.annoflow.webhookstage.workflow;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One stage of a workflow as configured in {@code config/workflow.yaml}, with its edges resolved to stage names.
 * Webhook fields are null for other stage types. {@code id} is the database id, known after the sync.
 */
public record StageConfig(
        long id,
        String workflow,
        String name,
        StageType type,
        int position,
        URI url,
        String authorization,
        boolean includeAnnotations,
        List<Duration> retrySchedule,
        Duration timeout,
        String next,
        String onSuccess,
        String onFailure,
        List<String> signingSecrets,
        int maxConcurrency,
        double maxPerSecond,
        PayloadShape payload,
        Map<String, String> headers,
        List<String> nextFromResponse,
        OAuth2Client oauth2,
        ClientCertificate clientCertificate,
        boolean traceparent) {

    public StageConfig withId(long newId) {
        return new StageConfig(newId, workflow, name, type, position, url, authorization, includeAnnotations,
                retrySchedule, timeout, next, onSuccess, onFailure, signingSecrets, maxConcurrency, maxPerSecond, payload,
                headers, nextFromResponse, oauth2, clientCertificate, traceparent);
    }

    /** Whether requests carry a bearer token from the stage's OAuth2 token endpoint ({@code oauth2}). */
    public boolean usesOAuth2() {
        return oauth2 != null;
    }

    /** Whether the stage presents a TLS client certificate ({@code client_certificate}) from a connection pool of its own. */
    public boolean hasClientCertificate() {
        return clientCertificate != null;
    }

    /** Retries after the first attempt fails: one per wait of the schedule. */
    public int retries() {
        return retrySchedule == null ? 0 : retrySchedule.size();
    }

    /** The wait before retry {@code n} (1 for the first retry), before jitter. */
    public Duration waitBeforeRetry(int n) {
        return retrySchedule.get(Math.min(n, retrySchedule.size()) - 1);
    }

    /** Whether the target is an http(s) URL; else a Camel endpoint allowed by {@code webhook.targets.allow}. */
    public boolean isHttpTarget() {
        return url != null && TargetUrls.isHttp(url);
    }

    /** Whether a delivered answer's {@code next_stage} may pick the next stage ({@code next_from_response}). */
    public boolean letsTheReceiverChoose() {
        return nextFromResponse != null && !nextFromResponse.isEmpty();
    }

    /** Whether {@code max_per_second} paces this stage's sends. */
    public boolean isRateLimited() {
        return maxPerSecond > 0;
    }

    /** Requests are signed (Standard Webhooks) when at least one secret is configured; the current one comes first. */
    public boolean isSigned() {
        return signingSecrets != null && !signingSecrets.isEmpty();
    }

    public String qualifiedName() {
        return workflow + "/" + name;
    }

    /** Attempts one visit may make: the first send plus its retries. */
    public int attemptBudget() {
        return retries() + 1;
    }

    public long timeoutMillis() {
        return timeout == null ? 0 : timeout.toMillis();
    }

    public boolean hasAuthorization() {
        return authorization != null && !authorization.isEmpty();
    }

    @Override
    public String toString() {
        // the Authorization value and the header values are secrets: only their presence or names are ever shown
        return "Stage[" + qualifiedName() + ", " + type.label()
               + (url != null ? ", url=" + TargetUrls.masked(url) + ", authorization=" + (hasAuthorization() ? "****" : "none")
                                + ", signing=" + (isSigned() ? signingSecrets.size() + " secret(s)" : "none")
                                + (usesOAuth2() ? ", oauth2=" + oauth2 : "")
                                + (hasClientCertificate() ? ", client certificate" : "")
                                + ", payload=" + payload + (headers.isEmpty() ? "" : ", headers=" + headers.keySet()) : "")
               + "]";
    }
}
