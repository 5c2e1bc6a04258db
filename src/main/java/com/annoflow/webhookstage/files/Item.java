package com.annoflow.webhookstage.files;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A registered file as the payload shows it: its name, path, where it comes from and its slots. Part of the darwin-v2 payload ({@code item}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({ "name", "path", "source_info", "slots" })
public record Item(String name, String path, SourceInfo sourceInfo, List<Slot> slots) {
}
