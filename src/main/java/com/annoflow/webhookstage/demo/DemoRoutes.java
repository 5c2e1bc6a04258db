package com.annoflow.webhookstage.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.annoflow.webhookstage.delivery.Ping;
import com.annoflow.webhookstage.files.Dataset;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.files.Slot;
import com.annoflow.webhookstage.files.SourceFile;
import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.files.Team;
import com.annoflow.webhookstage.queue.Assignments;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * The demo ({@code webhook.demo.enabled=true}): a receiver inside the bundle, and a few files registered and assigned
 * to every webhook stage at start-up, so a new user sees the whole flow. The receiver answers 503 to the first attempt
 * of every third delivery of each stage (the first, fourth, ...), to show a retry carrying the same delivery id (pings
 * and endpoint probes get 200). Not every delivery: a burst of files assigned to a demo stage would then fail five
 * first attempts in a row, and endpoint health would pause the stage again after every probe (found black-box). Turn
 * it off in production.
 */
public final class DemoRoutes extends RouteBuilder {

    private final FileCatalog files;
    private final Assignments assignments;
    private final WorkflowCatalog workflows;
    private final ObjectMapper json;
    private final int demoFiles;
    private final Set<String> seenDeliveries = ConcurrentHashMap.newKeySet();
    /** New deliveries seen, per stage: the first attempt of every third one is answered 503. */
    private final Map<String, AtomicInteger> newDeliveries = new ConcurrentHashMap<>();

    public DemoRoutes(FileCatalog files, Assignments assignments, WorkflowCatalog workflows, ObjectMapper json, int demoFiles) {
        this.files = files;
        this.assignments = assignments;
        this.workflows = workflows;
        this.json = json;
        this.demoFiles = demoFiles;
    }

    @Override
    public void configure() {
        from("platform-http:/demo/receiver?httpMethodRestrict=POST").routeId("demo-receiver")
                .process(this::receive)
                .log(LoggingLevel.INFO, "webhook.demo", "demo receiver: ${exchangeProperty.demoSummary}");

        from("timer:demo-seed?repeatCount=1&delay=500").routeId("demo-seed")
                .process(e -> seed());
    }

    private void receive(Exchange exchange) throws Exception {
        String deliveryId = exchange.getMessage().getHeader("webhook-id", String.class);
        JsonNode payload = json.readTree(exchange.getMessage().getBody(String.class));
        // a ping or endpoint probe is answered 200: failing it too would keep a paused demo stage paused for good (a
        // restart forgets the deliveries seen, so their next attempts fail again and may pause the stage)
        boolean newDelivery = deliveryId != null && !deliveryId.startsWith(Ping.DELIVERY_ID_PREFIX)
                              && seenDeliveries.add(deliveryId);
        // only names, counts and the body's top-level keys (so a payload shape's fields show): a receiver's log is no
        // place for the Authorization header or the whole payload
        String name = payload.at("/item/name").isMissingNode() ? payload.path("item_name").asText() : payload.at("/item/name").asText();
        String stage = payload.path("stage").isTextual() ? payload.path("stage").asText() : payload.at("/stage/name").asText();
        // the first attempt of every third new delivery of the stage is answered 503
        boolean failIt = newDelivery && newDeliveries.computeIfAbsent(stage, s -> new AtomicInteger()).getAndIncrement() % 3 == 0;
        List<String> keys = new ArrayList<>();
        payload.fieldNames().forEachRemaining(keys::add);
        String summary = "delivery " + deliveryId + " for '" + name + "' from stage " + stage + " with "
                         + payload.path("annotations").size() + " annotation(s), keys " + keys
                         + (failIt ? " -> 503 (the demo fails the first attempt of every third delivery)" : " -> 200");
        exchange.setProperty("demoSummary", summary);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, failIt ? 503 : 200);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(failIt ? "{\"retry\": true}" : "{\"received\": true}");
    }

    private void seed() {
        for (StageConfig stage : workflows.stages()) {
            if (stage.type() != StageType.WEBHOOK || demoFiles == 0) {
                continue;
            }
            List<RegisteredFile> batch = new ArrayList<>();
            for (int i = 1; i <= demoFiles; i++) {
                batch.add(demoFile(i));
            }
            files.register(batch);
            assignments.assign(batch.stream().map(f -> f.item().sourceInfo().itemId()).toList(), stage, "demo");
        }
    }

    private static RegisteredFile demoFile(int n) {
        String id = UUID.randomUUID().toString();
        String name = "street_" + n + ".jpg";
        Item item = new Item(name, "/demo", new SourceInfo(id, new Team("Demo Team", "demo-team"),
                new Dataset("Street scenes", "street-scenes", null), null),
                List.of(new Slot("0", "image", 1920, 1080,
                        List.of(new SourceFile(name, "https://example.org/demo/" + name)))));
        String car = "{\"id\":\"" + UUID.randomUUID() + "\",\"name\":\"car\",\"slot_names\":[\"0\"],"
                     + "\"bounding_box\":{\"x\":177,\"y\":99,\"w\":251,\"h\":242},"
                     + "\"annotators\":[{\"email\":\"annotator@example.org\",\"full_name\":\"Demo Annotator\"}],"
                     + "\"attributes\":[],\"properties\":[]}";
        String tag = "{\"id\":\"" + UUID.randomUUID() + "\",\"name\":\"daylight\",\"slot_names\":[\"0\"],\"tag\":{}}";
        // written here as the API stores what it checked: compact JSON, marked, so it is sent as stored
        return new RegisteredFile(item, List.of(car, tag), true);
    }
}
