package com.annoflow.webhookstage.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What operators (and the console) read about a webhook stage: its counts and last hour, its files by status or by
 * the outcome of their latest visit, newest first in pages, and who the caller is.
 */
class StageOverviewApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Receiver receiver = new Receiver();
    @RegisterExtension
    final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.retries", "1")
            // a failed file waits an hour for its one retry: it stays WAITING for the test
            .with("webhook.retry-schedule", "1h");

    @Test
    void aStagesCountsLastHourAndFailedAndWaitingFilesAreAnswered() {
        String rejected = TestFiles.newId();
        String waiting = TestFiles.newId();
        receiver.wiremock().stubFor(post(urlPathEqualTo("/fail")).atPriority(50).willReturn(aResponse().withStatus(500)));
        receiver.wiremock().stubFor(post(urlPathEqualTo("/fail")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", com.github.tomakehurst.wiremock.client.WireMock.equalTo(rejected)))
                .willReturn(aResponse().withStatus(400).withBody("{\"error\": \"no such dataset\"}")));
        register(rejected, waiting);
        bundle.post("/api/assignments", TestFiles.assignment("fail-named", "hook", rejected, waiting));
        await().atMost(WAIT).until(() -> "fail-named/webhook-failed ASSIGNED".equals(bundle.stageOf(rejected))
                                         && "fail-named/hook WAITING".equals(bundle.stageOf(waiting)));

        JsonNode summary = read(bundle.get("/api/workflows/fail-named/stages/hook/summary"));
        assertThat(summary.get("queued").asInt()).isZero();
        assertThat(summary.get("sending").asInt()).isZero();
        assertThat(summary.get("waiting").asInt()).isEqualTo(1);
        assertThat(summary.get("failed").asInt()).isEqualTo(1);
        assertThat(summary.get("delivered_last_hour").asInt()).isZero();
        assertThat(summary.get("last_hour")).hasSize(61);
        int failedAttempts = 0;
        for (JsonNode minute : summary.get("last_hour")) {
            failedAttempts += minute.get("failed").asInt();
            assertThat(minute.get("delivered").asInt()).isZero();
        }
        assertThat(failedAttempts).isEqualTo(2);

        JsonNode failed = read(bundle.get("/api/workflows/fail-named/stages/hook/files?status=failed")).get("files");
        assertThat(failed).hasSize(1);
        assertThat(failed.at("/0/item_id").asText()).isEqualTo(rejected);
        assertThat(failed.at("/0/name").asText()).isEqualTo("image_1.jpg");
        assertThat(failed.at("/0/status").asText()).isEqualTo("FAILED");
        assertThat(failed.at("/0/last_http_status").asInt()).isEqualTo(400);
        assertThat(failed.at("/0/last_error").asText()).startsWith("HTTP 400");

        JsonNode waits = read(bundle.get("/api/workflows/fail-named/stages/hook/files?status=waiting")).get("files");
        assertThat(waits).hasSize(1);
        assertThat(waits.at("/0/item_id").asText()).isEqualTo(waiting);
        assertThat(waits.at("/0/last_http_status").asInt()).isEqualTo(500);
        assertThat(waits.at("/0/attempts").asInt()).isEqualTo(1);

        // redelivered, the rejected file is in the stage again: its latest visit is no longer a failed one
        receiver.wiremock().resetAll();
        receiver.wiremock().stubFor(post(urlPathEqualTo("/fail")).willReturn(aResponse().withStatus(200)));
        bundle.post("/api/redeliveries", "{\"workflow\": \"fail-named\", \"stage\": \"hook\", \"file_ids\": [\"" + rejected + "\"]}");
        await().atMost(WAIT).until(() -> "fail-named/complete ASSIGNED".equals(bundle.stageOf(rejected)));
        JsonNode after = read(bundle.get("/api/workflows/fail-named/stages/hook/summary"));
        assertThat(after.get("failed").asInt()).isZero();
        assertThat(after.get("delivered_last_hour").asInt()).isEqualTo(1);
        assertThat(read(bundle.get("/api/workflows/fail-named/stages/hook/files?status=delivered")).at("/files/0/item_id")
                .asText()).isEqualTo(rejected);
    }

    @Test
    void deliveredFilesComeNewestFirstInPages() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = TestFiles.newId();
            ids.add(id);
            register(id);
            // one at a time, so their deliveries are in this order
            bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
            await().atMost(WAIT).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        }

        JsonNode first = read(bundle.get("/api/workflows/flow/stages/send/files?status=delivered&limit=2"));
        assertThat(first.get("files")).extracting(f -> f.get("item_id").asText()).containsExactly(ids.get(2), ids.get(1));
        assertThat(first.get("next_offset").asInt()).isEqualTo(2);
        JsonNode second = read(bundle.get("/api/workflows/flow/stages/send/files?status=delivered&limit=2&offset=2"));
        assertThat(second.get("files")).extracting(f -> f.get("item_id").asText()).containsExactly(ids.get(0));
        assertThat(second.get("next_offset").isNull()).isTrue();
        assertThat(second.at("/files/0/attempts").asInt()).isEqualTo(1);
    }

    @Test
    void filesOfAPausedStageAreListedAsQueued() {
        bundle.post("/api/workflows/flow/stages/send/pause", "{\"reason\": \"maintenance\"}");
        String a = TestFiles.newId();
        String b = TestFiles.newId();
        register(a, b);
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", a, b));

        JsonNode summary = read(bundle.get("/api/workflows/flow/stages/send/summary"));
        assertThat(summary.get("queued").asInt()).isEqualTo(2);
        JsonNode queued = read(bundle.get("/api/workflows/flow/stages/send/files?status=QUEUED")).get("files");
        assertThat(queued).extracting(f -> f.get("item_id").asText()).containsExactlyInAnyOrder(a, b);
        assertThat(queued).allMatch(f -> f.get("status").asText().equals("QUEUED") && f.get("attempts").asInt() == 0);
    }

    @Test
    void aBadQueryIsAnsweredWithTheParameterNamed() {
        String files = "/api/workflows/flow/stages/send/files";
        assertError(bundle.get(files), "status: required query parameter, one of queued, sending, waiting, failed, delivered");
        assertError(bundle.get(files + "?status=lost"), "status: 'lost' is not one of queued, sending, waiting, failed, delivered");
        assertError(bundle.get(files + "?status=failed&limit=0"), "limit: '0' must be a whole number from 1 to 200");
        assertError(bundle.get(files + "?status=failed&offset=-1"), "offset: '-1' must be a whole number from 0 to");
        assertError(bundle.get("/api/workflows/flow/stages/annotate/summary"), "'annotate' is an annotate stage");
        assertThat(bundle.get("/api/workflows/flow/stages/nope/summary").statusCode()).isEqualTo(404);
    }

    @Test
    void aCallerLearnsItsNameRoleAndWhatItMayDo() {
        JsonNode admin = read(bundle.get("/api/whoami"));
        assertThat(admin.get("role").asText()).isEqualTo("admin");
        assertThat(admin.at("/may/delete_files").asBoolean()).isTrue();
        assertThat(admin.at("/may/pause_and_resume").asBoolean()).isTrue();

        String workerKey = read(bundle.post("/api/keys", "{\"name\": \"worker-9\", \"role\": \"worker\"}")).get("key").asText();
        JsonNode worker = read(bundle.get("/api/whoami", workerKey));
        assertThat(worker.get("name").asText()).isEqualTo("worker-9");
        assertThat(worker.get("role").asText()).isEqualTo("worker");
        assertThat(worker.at("/may/read").asBoolean()).isTrue();
        assertThat(worker.at("/may/pause_and_resume").asBoolean()).isFalse();
        assertThat(worker.at("/may/redeliver").asBoolean()).isFalse();
        assertThat(worker.at("/may/delete_files").asBoolean()).isFalse();
        assertThat(worker.toString()).doesNotContain(workerKey);
        assertThat(bundle.get("/api/whoami", null).statusCode()).isEqualTo(401);
    }

    private void register(String... ids) {
        for (String id : ids) {
            assertThat(bundle.post("/api/files", TestFiles.registration(id)).statusCode()).isEqualTo(201);
        }
    }

    private static JsonNode read(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isBetween(200, 201);
        return PayloadSchema.read(answer.body());
    }

    private static void assertError(HttpResponse<String> answer, String message) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(PayloadSchema.read(answer.body()).get("error").asText()).contains(message);
    }
}
