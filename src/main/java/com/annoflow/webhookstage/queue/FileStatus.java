package com.annoflow.webhookstage.queue;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Where a file is now and how it got there, as the API shows it. {@code status}: QUEUED (due for its first attempt),
 * SENDING (an attempt in progress), WAITING (waiting for a retry until {@code next_attempt_at}), ASSIGNED (in a stage
 * people work on, or a holding stage).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FileStatus(String itemId, String name, String workflow, String stage, String stageType, String status,
        Integer attempts, String deliveryId, Instant assignedAt, Instant nextAttemptAt, List<Transition> history) {

    /** A status in the words of the queue summary and the docs. */
    public static String describe(String status) {
        return switch (status) {
            case "QUEUED" -> "queued";
            case "SENDING" -> "sending";
            case "WAITING" -> "waiting for a retry";
            default -> status.toLowerCase(Locale.ROOT);
        };
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Transition(String from, String to, String reason, String deliveryId, String detail, Instant movedAt) {
    }
}
