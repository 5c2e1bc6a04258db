package com.annoflow.webhookstage.endpointhealth;

/** What one attempt says about a stage's endpoint, for its health. */
public enum EndpointSignal {
    /** It answered, with a success or a refusal no retry can fix: the endpoint is up. */
    UP,
    /** A 5xx, 408 or 429 answer, a timeout, or no connection: the endpoint may be down. */
    DOWN,
    /** Nothing about the endpoint: a blocked target, a payload that could not be built, a 410 (handled on its own). */
    NOTHING
}
