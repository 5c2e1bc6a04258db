package com.annoflow.webhookstage.queue;

/**
 * One claimed stay of a file in a webhook stage: from its assignment until it moves on. The delivery id and the
 * attempts made survive a crash because they live in the assignment row, not in memory; so does the visit's trace
 * context ({@code traceparent}, null unless tracing is on and an earlier attempt of the visit waited for a retry).
 */
public record Visit(String itemId, long stageId, String deliveryId, int attemptsMade, String leaseOwner, String traceContext) {
}
