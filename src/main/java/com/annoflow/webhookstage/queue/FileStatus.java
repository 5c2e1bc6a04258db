package com.annoflow.webhookstage.queue;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** Where a file is now and how it got there, as the API shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FileStatus(String itemId, String name, String workflow, String stage, String stageType, String status,
        Integer attempts, String deliveryId, Instant assignedAt, List<Transition> history) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Transition(String from, String to, String reason, String deliveryId, String detail, Instant movedAt) {
    }
}
