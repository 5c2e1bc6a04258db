package com.annoflow.webhookstage.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each stage sends the payload shape its {@code payload:} field names: darwin-v2, flat, or a route of the integration
 * engineer's from a test {@code routes/} directory (no Java). Built-in shapes validate against their schemas and equal
 * their golden examples; the preview is exactly what was sent; a shape route that throws or returns something other
 * than JSON fails the file's visit once, with its reason; stage headers arrive and are never shown or logged.
 */
class PayloadShapesTest {

    private static final String ITEM_ID = "01920b88-51e0-ce68-bf91-a1bab42246e0";
    private static final String API_KEY = "ak-live-4b1d8e0c7a2f9365";

    @RegisterExtension
    @Order(1)
    static final CapturedLogs logs = CapturedLogs.whileTheClassRuns();
    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    @Order(2)
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.workflow-file", "src/test/resources/workflows/shapes.yaml")
            .withRoutesFrom("src/test/resources/routes")
            .with("test.api-key", API_KEY);
    private static String throwing;
    private static String notJson;
    private static String workerKey;

    @BeforeAll
    static void sendOneFileThroughEveryShape() {
        bundle.post("/api/files", "{\"files\": [" + TestFiles.file(ITEM_ID, "image_1.jpg", "[" + TestFiles.carAnnotation()
                                  + ", {\"id\": \"1b0b6a5e-0a3c-4c1e-9d4e-2f8e0c7d1a22\", \"name\": \"daylight\","
                                  + " \"slot_names\": [\"0\"], \"tag\": {}}]") + "]}");
        throwing = TestFiles.newId();
        notJson = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(throwing));
        bundle.post("/api/files", TestFiles.registration(notJson));
        workerKey = PayloadSchema.read(bundle.post("/api/keys", "{\"name\": \"shapes-worker\", \"role\": \"worker\"}").body())
                .get("key").asText();
        bundle.post("/api/assignments", TestFiles.assignment("shapes", "darwin", ITEM_ID));
        bundle.post("/api/assignments", TestFiles.assignment("broken-shapes", "throws", throwing));
        bundle.post("/api/assignments", TestFiles.assignment("not-json-shapes", "not-json", notJson));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(bundle.stageOf(ITEM_ID)).isEqualTo("shapes/complete ASSIGNED");
            assertThat(bundle.stageOf(throwing)).isEqualTo("broken-shapes/failed ASSIGNED");
            assertThat(bundle.stageOf(notJson)).isEqualTo("not-json-shapes/failed ASSIGNED");
        });
    }

    @Test
    void theFlatShapeValidatesAgainstItsSchemaAndEqualsItsGoldenExample() throws IOException {
        String body = sentTo("flat").getBodyAsString();
        assertThat(PayloadSchema.flatProblems(body)).isEmpty();
        assertThat(PayloadSchema.read(body).has("annotation_count")).isFalse();
        assertThat(PayloadSchema.withoutDeliveryId(body)).isEqualTo(PayloadSchema.golden("flat-metadata-only.json", body));
    }

    @Test
    void theFlatShapeWithAnnotationsCountsAndNamesThem() throws IOException {
        String body = sentTo("flat-annotated").getBodyAsString();
        assertThat(PayloadSchema.flatProblems(body)).isEmpty();
        JsonNode flat = PayloadSchema.read(body);
        assertThat(flat.get("annotation_count").asInt()).isEqualTo(2);
        assertThat(flat.get("annotation_names").toString()).isEqualTo("[\"car\",\"daylight\"]");
        assertThat(PayloadSchema.withoutDeliveryId(body)).isEqualTo(PayloadSchema.golden("flat-with-annotations.json", body));
    }

    @Test
    void theFlatShapeHasOneLevelOfKeys() {
        PayloadSchema.read(sentTo("flat-annotated").getBodyAsString()).fields().forEachRemaining(field ->
                assertThat(field.getValue().isObject()).as(field.getKey()).isFalse());
    }

    @Test
    void theDarwinV2ShapeCarriesItsSchemaRefAndValidates() {
        String body = sentTo("darwin").getBodyAsString();
        assertThat(PayloadSchema.problems(body)).isEmpty();
        assertThat(PayloadSchema.read(body).get("schema_ref").asText())
                .isEqualTo("https://darwin-public.s3.eu-west-1.amazonaws.com/darwin_json/2.0/schema.json");
        assertThat(PayloadSchema.read(body).get("annotations")).hasSize(2);
    }

    @Test
    void aShapeRouteFromTheRoutesDirectoryAddsAFieldWithoutAnyJava() {
        JsonNode custom = PayloadSchema.read(sentTo("custom").getBodyAsString());
        assertThat(custom.get("project").asText()).isEqualTo("acme-cars");
        // the rest is the darwin-v2 payload it was given, metadata only as include_annotations says
        assertThat(custom.get("version").asText()).isEqualTo("2.0");
        assertThat(custom.at("/item/source_info/item_id").asText()).isEqualTo(ITEM_ID);
        assertThat(custom.get("stage").get("name").asText()).isEqualTo("custom");
        assertThat(custom.has("annotations")).isFalse();
    }

    @Test
    void thePreviewIsExactlyWhatEachStageSent() {
        for (String stage : List.of("darwin", "flat", "flat-annotated", "custom")) {
            LoggedRequest sent = sentTo(stage);
            JsonNode preview = preview(stage, sent.getHeader("webhook-id"), BundleUnderTest.ADMIN_KEY);
            assertThat(preview.get("body").asText()).as(stage).isEqualTo(sent.getBodyAsString());
            assertThat(preview.at("/headers/webhook-id").asText()).isEqualTo(sent.getHeader("webhook-id"));
            assertThat(preview.at("/headers/Content-Type").asText()).isEqualTo("application/json");
            assertThat(preview.at("/headers/User-Agent").asText()).isEqualTo(sent.getHeader("User-Agent"));
        }
    }

    @Test
    void aShapeRouteBuiltTwiceGivesTheSameBytes() {
        String deliveryId = sentTo("custom").getHeader("webhook-id");
        String first = preview("custom", deliveryId, BundleUnderTest.ADMIN_KEY).get("body").asText();
        String second = preview("custom", deliveryId, BundleUnderTest.ADMIN_KEY).get("body").asText();
        assertThat(second).isEqualTo(first).isEqualTo(sentTo("custom").getBodyAsString());
    }

    @Test
    void thePreviewMasksEverySecretAndMovesNothing() {
        JsonNode preview = preview("custom", null, BundleUnderTest.ADMIN_KEY);
        assertThat(preview.at("/headers/X-Api-Key").asText()).isEqualTo("****");
        assertThat(preview.at("/headers/X-Team").asText()).isEqualTo("****");
        assertThat(preview.at("/headers/webhook-signature").asText()).isEqualTo("****");
        assertThat(preview.toString()).doesNotContain(API_KEY);
        // the file has left the stage: the preview shows an example delivery id, and the file stays where it is
        assertThat(preview.get("delivery_id_from").asText()).isEqualTo("example");
        assertThat(bundle.stageOf(ITEM_ID)).isEqualTo("shapes/complete ASSIGNED");
        assertThat(receiver.requestsFor(ITEM_ID)).hasSize(4);
    }

    @Test
    void thePreviewIsRefusedToAWorkerKeyAndExplainsBadRequests() {
        assertThat(bundle.get(previewPath("custom", null), workerKey).statusCode()).isEqualTo(403);
        assertThat(bundle.get("/api/workflows/shapes/stages/custom/preview").body()).contains("file_id: required");
        assertThat(bundle.get("/api/workflows/shapes/stages/custom/preview?file_id=" + TestFiles.newId()).statusCode())
                .isEqualTo(404);
        assertThat(bundle.get("/api/workflows/shapes/stages/dataset/preview?file_id=" + ITEM_ID).statusCode()).isEqualTo(400);
        assertThat(bundle.get(previewPath("custom", "msg_<script>")).body()).contains("delivery_id:");
    }

    @Test
    void aShapeRouteThatThrowsFailsTheVisitOnceWithItsReason() {
        List<Map<String, Object>> attempts = bundle.attempts(throwing);
        assertThat(attempts).singleElement().satisfies(attempt -> {
            assertThat(attempt.get("outcome")).isEqualTo("INVALID_PAYLOAD");
            assertThat((String) attempt.get("error")).contains("payload route shape-that-throws")
                    .contains("the shape route broke on purpose");
        });
        assertThat(receiver.wiremock().findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/shapes/throws")))).isEmpty();
        assertThat(bundle.get("/api/workflows/broken-shapes/stages/throws/preview?file_id=" + throwing))
                .satisfies(r -> assertThat(r.statusCode()).isEqualTo(422))
                .satisfies(r -> assertThat(r.body()).contains("the shape route broke on purpose"));
    }

    @Test
    void aShapeRouteThatReturnsSomethingOtherThanJsonFailsTheVisitOnceWithItsReason() {
        assertThat(bundle.attempts(notJson)).singleElement().satisfies(attempt -> {
            assertThat(attempt.get("outcome")).isEqualTo("INVALID_PAYLOAD");
            assertThat((String) attempt.get("error")).contains("payload route shape-not-json")
                    .contains("not JSON").contains("this is not JSON");
        });
        assertThat(bundle.jdbc().queryForList("SELECT detail FROM stage_transition WHERE item_id = ? ORDER BY id", String.class,
                notJson)).last().asString().contains("not JSON");
    }

    @Test
    void stageHeadersArriveAtTheReceiver() {
        LoggedRequest sent = sentTo("custom");
        assertThat(sent.getHeader("X-Team")).isEqualTo("acme");
        assertThat(sent.getHeader("X-Api-Key")).isEqualTo(API_KEY);
        assertThat(sentTo("flat").containsHeader("X-Api-Key")).isFalse();
        assertThat(sent.containsHeader("webhook-test")).as("only pings and probes are marked as tests").isFalse();
    }

    @Test
    void aPingSendsTheStagesShape() {
        JsonNode answer = PayloadSchema.read(bundle.post("/api/workflows/shapes/stages/flat/ping", "").body());
        assertThat(answer.get("outcome").asText()).isEqualTo("DELIVERED");
        LoggedRequest ping = receiver.wiremock().getAllServeEvents().stream().map(e -> e.getRequest())
                .filter(r -> r.getUrl().equals("/shapes/flat") && "true".equals(r.getHeader("webhook-test"))).findFirst()
                .orElseThrow();
        assertThat(PayloadSchema.flatProblems(ping.getBodyAsString())).isEmpty();
        assertThat(PayloadSchema.read(ping.getBodyAsString()).get("item_name").asText()).isEqualTo("ping");
    }

    @Test
    void stageHeaderValuesAreMaskedInTheApiAndAbsentFromEveryLogLineAtDebug() {
        String workflows = bundle.get("/api/workflows").body();
        assertThat(workflows).contains("\"headers\":{\"X-Team\":\"****\",\"X-Api-Key\":\"****\"}")
                .contains("\"payload\":\"route:payload-with-project\"").doesNotContain(API_KEY);
        assertThat(logs.lines()).hasSizeGreaterThan(100).allSatisfy(line -> assertThat(line).doesNotContain(API_KEY));
    }

    @Test
    void aPayloadRouteThatIsNotLoadedOrAReservedHeaderStopsStartUpNamingIt(@TempDir Path dir) throws IOException {
        Path workflow = Files.writeString(dir.resolve("workflow.yaml"), """
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "http://127.0.0.1:9/x", payload: "route:no-such-shape", on_failure: next }
                      - { name: complete, type: complete }
                """);
        try (BundleUnderTest other = new BundleUnderTest(workflow.toString())) {
            assertThatThrownBy(other::start).hasStackTraceContaining(
                    "workflow 'w', stage 'hook': field 'payload' = 'route:no-such-shape' names no route; add a route with id"
                    + " no-such-shape (from: direct:no-such-shape) to a file in routes/");
        }
        Files.writeString(workflow, Files.readString(workflow).replace("payload: \"route:no-such-shape\"",
                "headers: {Host: evil.example}"));
        try (BundleUnderTest other = new BundleUnderTest(workflow.toString())) {
            assertThatThrownBy(other::start).hasStackTraceContaining(
                    "workflow 'w', stage 'hook': header 'Host' in field 'headers' is reserved");
        }
    }

    private static LoggedRequest sentTo(String stage) {
        return receiver.requestsFor(ITEM_ID).stream().filter(r -> r.getUrl().equals("/shapes/" + stage)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing was sent to /shapes/" + stage));
    }

    private static JsonNode preview(String stage, String deliveryId, String key) {
        var response = bundle.get(previewPath(stage, deliveryId), key);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return PayloadSchema.read(response.body());
    }

    private static String previewPath(String stage, String deliveryId) {
        return "/api/workflows/shapes/stages/" + stage + "/preview?file_id=" + ITEM_ID
               + (deliveryId == null ? "" : "&delivery_id=" + java.net.URLEncoder.encode(deliveryId,
                java.nio.charset.StandardCharsets.UTF_8));
    }
}
