package com.annoflow.webhookstage.payload;

import java.util.List;

import com.annoflow.webhookstage.files.Item;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The {@code darwin-v2} payload shape, the default: the V7 / Darwin JSON 2.0 shape ({@code item} with {@code source_info} and {@code slots}, plus
 * {@code annotations} only when the stage includes them) and where the file is in the workflow. Published as
 * {@code docs/payload-darwin-v2.schema.json}. The body is the same on every retry of one visit.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({ "version", "schema_ref", "delivery_id", "workflow", "stage", "item", "annotations" })
public record WebhookPayload(String version, String schemaRef, String deliveryId, Workflow workflow, Stage stage, Item item,
        List<JsonNode> annotations) {

    public static final String VERSION = "2.0";
    /** The Darwin JSON 2.0 schema, as V7's exports name it. */
    public static final String SCHEMA_REF = "https://darwin-public.s3.eu-west-1.amazonaws.com/darwin_json/2.0/schema.json";

    public record Workflow(String name) {
    }

    public record Stage(String name, String type) {
    }
}
