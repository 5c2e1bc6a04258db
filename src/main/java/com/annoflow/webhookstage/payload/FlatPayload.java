package com.annoflow.webhookstage.payload;

import java.util.List;

import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.Slot;
import com.annoflow.webhookstage.files.SourceInfo;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The {@code flat} payload shape: one level of keys that a no-code tool (a Zapier Catch Hook, Make, n8n) maps field by
 * field. Built from the darwin-v2 payload, so both say the same; published as {@code docs/payload-flat.schema.json}.
 * Keys whose value the file does not have (no slot, no source file URL) are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({ "delivery_id", "workflow", "stage", "item_id", "item_name", "team", "dataset", "workview_url",
        "source_file_url", "width", "height", "annotation_count", "annotation_names" })
public record FlatPayload(String deliveryId, String workflow, String stage, String itemId, String itemName, String team,
        String dataset, String workviewUrl, String sourceFileUrl, Integer width, Integer height, Integer annotationCount,
        List<String> annotationNames) {

    public static FlatPayload of(WebhookPayload darwin) {
        Item item = darwin.item();
        SourceInfo source = item.sourceInfo();
        Slot first = item.slots() == null || item.slots().isEmpty() ? null : item.slots().get(0);
        String sourceFileUrl = first == null || first.sourceFiles() == null || first.sourceFiles().isEmpty() ? null
                : first.sourceFiles().get(0).url();
        List<JsonNode> annotations = darwin.annotations();
        return new FlatPayload(darwin.deliveryId(), darwin.workflow().name(), darwin.stage().name(), source.itemId(),
                item.name(), source.team() == null ? null : source.team().name(),
                source.dataset() == null ? null : source.dataset().name(), source.workviewUrl(), sourceFileUrl,
                first == null ? null : first.width(), first == null ? null : first.height(),
                annotations == null ? null : annotations.size(),
                annotations == null ? null : annotations.stream().map(a -> a.path("name").asText()).toList());
    }
}
