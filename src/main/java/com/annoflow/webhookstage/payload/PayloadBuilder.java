package com.annoflow.webhookstage.payload;

import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;

/**
 * Builds the payload of a claimed visit in its stage's shape ({@code payload:} darwin-v2, flat or route:<id>): the file's
 * metadata, plus its annotations when the stage includes them. Every shape is a function of the file's stored data and
 * the visit, so every attempt of a visit sends the same bytes. Anything that keeps the payload from being valid becomes
 * an {@link InvalidPayloadException}, so one bad file goes to the failure target with its reason instead of blocking
 * the queue.
 */
public final class PayloadBuilder {

    private final FileCatalog files;
    private final WorkflowCatalog workflows;
    private final ObjectMapper json;
    private final CustomShapes customShapes;

    public PayloadBuilder(FileCatalog files, WorkflowCatalog workflows, ObjectMapper json, CustomShapes customShapes) {
        this.files = files;
        this.workflows = workflows;
        this.json = json;
        this.customShapes = customShapes;
    }

    /**
     * Reads the claimed {@link Visit} from the body; leaves the payload in the stage's shape as the body (for the route's
     * JSON marshal step) and the visit and stage as properties.
     */
    public Object build(Exchange exchange) {
        Visit visit = exchange.getMessage().getBody(Visit.class);
        StageConfig stage = workflows.stage(visit.stageId());
        exchange.setProperty(AssignmentQueue.VISIT, visit);
        exchange.setProperty(AssignmentQueue.STAGE, stage);
        return shape(stage, darwinV2(visit, stage));
    }

    /** The body {@code stage} sends for {@code visit}, as Jackson writes it: what a delivery and the preview send. */
    public byte[] body(Visit visit, StageConfig stage) {
        try {
            return json.writeValueAsBytes(shape(stage, darwinV2(visit, stage)));
        } catch (JsonProcessingException e) {
            throw new InvalidPayloadException(List.of("the payload could not be written as JSON (" + e.getOriginalMessage() + ")"));
        }
    }

    /** {@code darwin} in the stage's shape: the object the route's marshal step writes. */
    public Object shape(StageConfig stage, WebhookPayload darwin) {
        return switch (stage.payload().kind()) {
            case DARWIN_V2 -> darwin;
            case FLAT -> FlatPayload.of(darwin);
            case ROUTE -> customShapes.shape(stage, darwin);
        };
    }

    /** The darwin-v2 payload: the default shape, and what the other shapes are made from. */
    public WebhookPayload darwinV2(Visit visit, StageConfig stage) {
        WebhookPayload.Item item = files.item(visit.itemId()).orElseThrow(
                () -> new InvalidPayloadException(List.of("file " + visit.itemId() + " is assigned but not registered")));
        List<JsonNode> annotations = stage.includeAnnotations() ? annotations(visit.itemId()) : null;
        return new WebhookPayload(WebhookPayload.VERSION, WebhookPayload.SCHEMA_REF, visit.deliveryId(),
                new WebhookPayload.Workflow(stage.workflow()),
                new WebhookPayload.Stage(stage.name(), stage.type().label()), item, annotations);
    }

    private List<JsonNode> annotations(String itemId) {
        List<String> problems = new ArrayList<>();
        List<JsonNode> parsed = new ArrayList<>();
        List<String> bodies = files.annotations(itemId);
        for (int i = 0; i < bodies.size(); i++) {
            String path = "annotations[" + i + "]";
            try {
                JsonNode annotation = json.readTree(bodies.get(i));
                AnnotationValidator.validate(annotation, path, problems);
                parsed.add(annotation);
            } catch (JsonProcessingException e) {
                problems.add(path + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidPayloadException(problems);
        }
        return parsed;
    }
}
