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
 * Builds the payload of a claimed visit: the file's metadata, plus its annotations when the stage includes them.
 * Anything that keeps the payload from being valid becomes an {@link InvalidPayloadException}, so one bad file goes to
 * the failure target with its reason instead of blocking the queue.
 */
public final class PayloadBuilder {

    private final FileCatalog files;
    private final WorkflowCatalog workflows;
    private final ObjectMapper json;

    public PayloadBuilder(FileCatalog files, WorkflowCatalog workflows, ObjectMapper json) {
        this.files = files;
        this.workflows = workflows;
        this.json = json;
    }

    /** Reads the claimed {@link Visit} from the body; leaves the payload as the body and the visit and stage as properties. */
    public WebhookPayload build(Exchange exchange) {
        Visit visit = exchange.getMessage().getBody(Visit.class);
        StageConfig stage = workflows.stage(visit.stageId());
        exchange.setProperty(AssignmentQueue.VISIT, visit);
        exchange.setProperty(AssignmentQueue.STAGE, stage);
        return build(visit, stage);
    }

    public WebhookPayload build(Visit visit, StageConfig stage) {
        WebhookPayload.Item item = files.item(visit.itemId()).orElseThrow(
                () -> new InvalidPayloadException(List.of("file " + visit.itemId() + " is assigned but not registered")));
        List<JsonNode> annotations = stage.includeAnnotations() ? annotations(visit.itemId()) : null;
        return new WebhookPayload(WebhookPayload.VERSION, visit.deliveryId(),
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
