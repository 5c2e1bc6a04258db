package com.annoflow.webhookstage.files;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The dataset a file belongs to. Part of the darwin-v2 payload ({@code item}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({ "name", "slug", "dataset_management_url" })
public record Dataset(String name, String slug, String datasetManagementUrl) {
}
