package com.annoflow.webhookstage.delivery;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** One row of the delivery log. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeliveryAttempt(String itemId, String workflow, String stage, String deliveryId, int attempt, String url,
        AttemptOutcome outcome, Integer httpStatus, long durationMs, String error, String responseExcerpt,
        Instant attemptedAt) {
}
