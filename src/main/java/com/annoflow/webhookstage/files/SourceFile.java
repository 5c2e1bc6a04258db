package com.annoflow.webhookstage.files;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** One source file of a slot, as a name and a URL (large media are sent as URLs, never inline). Part of the darwin-v2 payload ({@code item}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SourceFile(String fileName, String url) {
}
