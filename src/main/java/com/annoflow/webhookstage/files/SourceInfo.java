package com.annoflow.webhookstage.files;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** Where a file comes from: its id, team, dataset and work view. Part of the darwin-v2 payload ({@code item}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({ "item_id", "team", "dataset", "workview_url" })
public record SourceInfo(String itemId, Team team, Dataset dataset, String workviewUrl) {
}
