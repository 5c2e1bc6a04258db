package com.annoflow.webhookstage.payload;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.StoredAnnotation;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.PayloadShape;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.util.RawValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the payload of a claimed visit in its stage's shape ({@code payload:} darwin-v2, flat or route:<id>): the file's
 * metadata, plus its annotations when the stage includes them. Every shape is a function of the file's stored data and
 * the visit, so every attempt of a visit sends the same bytes. Anything that keeps the payload from being valid becomes
 * an {@link InvalidPayloadException}, so one bad file goes to the failure target with its reason instead of blocking
 * the queue.
 */
public final class PayloadBuilder {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");

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
     * The stored data of a claim's files, read in a few statements for the whole claim instead of a few per file: each
     * claimed visit becomes a {@link ClaimedFile}, the body the delivery route builds the payload from.
     */
    public List<ClaimedFile> readAhead(List<Visit> visits) {
        try {
            return read(visits);
        } catch (RuntimeException e) {
            // the visits are claimed already: each delivery reads its own file (and its error handling releases it)
            LOG.warn("the data of {} claimed file(s) could not be read with their claim ({}); each is read when it is sent",
                    visits.size(), e.getMessage());
            return visits.stream().map(ClaimedFile::unread).toList();
        }
    }

    private List<ClaimedFile> read(List<Visit> visits) {
        if (visits.isEmpty()) {
            return List.of();
        }
        Map<String, Item> items = files.items(visits.stream().map(Visit::itemId).toList());
        Map<String, List<StoredAnnotation>> annotations = files.annotations(visits.stream()
                .filter(v -> workflows.stage(v.stageId()).includeAnnotations()).map(Visit::itemId).toList());
        List<ClaimedFile> claimed = new ArrayList<>(visits.size());
        for (Visit visit : visits) {
            boolean withAnnotations = workflows.stage(visit.stageId()).includeAnnotations();
            claimed.add(new ClaimedFile(visit, true, items.get(visit.itemId()),
                    withAnnotations ? annotations.getOrDefault(visit.itemId(), List.of()) : null));
        }
        return claimed;
    }

    /** The claimed file's payload in its stage's shape: the object the route's JSON marshal step writes. */
    public Object build(ClaimedFile claimed) {
        StageConfig stage = workflows.stage(claimed.visit().stageId());
        return shape(stage, darwinV2(claimed.read() ? claimed : read(List.of(claimed.visit())).get(0), stage));
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
        return darwinV2(read(List.of(visit)).get(0), stage);
    }

    private WebhookPayload darwinV2(ClaimedFile claimed, StageConfig stage) {
        if (claimed.item() == null) {
            throw new InvalidPayloadException(List.of("file " + claimed.visit().itemId() + " is assigned but not registered"));
        }
        // the flat shape reads each annotation's name; the others only write them
        boolean writtenOnly = stage.payload().kind() != PayloadShape.Kind.FLAT;
        List<JsonNode> annotations = claimed.annotations() == null ? null : annotations(claimed.annotations(), writtenOnly);
        return new WebhookPayload(WebhookPayload.VERSION, WebhookPayload.SCHEMA_REF, claimed.visit().deliveryId(),
                new WebhookPayload.Workflow(stage.workflow()),
                new WebhookPayload.Stage(stage.name(), stage.type().label()), claimed.item(), annotations);
    }

    /**
     * The annotations to send. A text that is still as the API checked and stored it (compact, the same bytes Jackson
     * would write again) goes out as it is when the payload only writes it; any other is parsed and checked again (other
     * writers share the database) and written anew. Either way the bytes are those of the compact form.
     */
    private List<JsonNode> annotations(List<StoredAnnotation> stored, boolean writtenOnly) {
        List<String> problems = new ArrayList<>();
        List<JsonNode> parsed = new ArrayList<>();
        for (int i = 0; i < stored.size(); i++) {
            String path = "annotations[" + i + "]";
            if (writtenOnly && stored.get(i).asRegistered()) {
                parsed.add(JsonNodeFactory.instance.rawValueNode(new RawValue(stored.get(i).body())));
                continue;
            }
            try {
                JsonNode annotation = json.readTree(stored.get(i).body());
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
