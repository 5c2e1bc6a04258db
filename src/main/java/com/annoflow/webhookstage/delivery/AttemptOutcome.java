package com.annoflow.webhookstage.delivery;

import com.annoflow.webhookstage.endpointhealth.EndpointSignal;

/** How one attempt ended, as the delivery log and the API show it. */
public enum AttemptOutcome {
    /** The receiver answered 2xx. */
    DELIVERED,
    /** The receiver answered something another attempt may turn into a success (5xx, 3xx, 408, 429). */
    FAILED,
    /** The receiver answered 410 Gone: the file keeps waiting, and the stage pauses until an operator resumes it. */
    GONE,
    /** The receiver answered a 4xx that no retry can fix. */
    REJECTED,
    /** No answer within the stage's timeout. */
    TIMED_OUT,
    /** The SSRF guard refused the address the URL resolves to; no connection was made. */
    BLOCKED,
    /** No connection: refused, unknown host, reset. */
    UNREACHABLE,
    /** The payload could not be built from the file's data; nothing was sent. */
    INVALID_PAYLOAD,
    /** The payload is larger than webhook.max-payload-bytes; nothing was sent. */
    PAYLOAD_TOO_LARGE,
    /** The attempt budget was already used up (by attempts before a crash); nothing was sent. */
    BUDGET_USED_UP;

    /** What this outcome says about the stage's endpoint, for its health. */
    public EndpointSignal signal() {
        return switch (this) {
            case DELIVERED, REJECTED -> EndpointSignal.UP;
            case FAILED, TIMED_OUT, UNREACHABLE -> EndpointSignal.DOWN;
            default -> EndpointSignal.NOTHING;
        };
    }
}
