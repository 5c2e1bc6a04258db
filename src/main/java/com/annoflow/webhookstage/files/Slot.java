package com.annoflow.webhookstage.files;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** One slot of a file (an image, a video), with its source files. Part of the darwin-v2 payload ({@code item}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({ "slot_name", "type", "width", "height", "source_files" })
public record Slot(String slotName, String type, Integer width, Integer height, List<SourceFile> sourceFiles) {
}
