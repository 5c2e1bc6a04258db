package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retries wait in the database: a failed attempt that will be retried leaves its file WAITING with the due time of its
 * next attempt and no lease, and the claim takes it only once it is due (workflow "waits" in workflows/delivery.yaml).
 */
class RetryScheduleTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void aFailedAttemptLeavesTheFileWaitingInTheDatabaseWithItsDueTimeAndNoLease() throws Exception {
        String id = failingOnce("/waits/hour");
        registerAndAssign(id, "hour");

        await().atMost(WAIT).until(() -> "waits/hour WAITING".equals(bundle.stageOf(id)));
        Map<String, Object> row = bundle.jdbc().queryForMap("SELECT * FROM assignment WHERE item_id = ?", id);
        assertThat(row).containsEntry("ATTEMPTS", 1).containsEntry("LEASE_OWNER", null).containsEntry("LEASE_EXPIRES_AT", null);
        Instant attempted = Storage.instant(bundle.attempts(id).get(0).get("ATTEMPTED_AT"));
        Instant due = Storage.instant(row.get("DUE_AT"));
        // retry_schedule: [1h], with ±20 % jitter
        assertThat(due).isBetween(attempted.plus(Duration.ofMinutes(47)), attempted.plus(Duration.ofMinutes(73)));

        JsonNode file = JSON.readTree(bundle.get("/api/files/" + id).body());
        assertThat(file.path("status").asText()).isEqualTo("WAITING");
        assertThat(Instant.parse(file.path("next_attempt_at").asText())).isEqualTo(due);
        assertThat(file.path("attempts").asInt()).isEqualTo(1);
    }

    @Test
    void aFileWaitingForARetryCannotBeAssignedElsewhereUntilItsVisitEnds() {
        String id = failingOnce("/waits/hour");
        registerAndAssign(id, "hour");
        await().atMost(WAIT).until(() -> "waits/hour WAITING".equals(bundle.stageOf(id)));

        HttpResponse<String> refused = bundle.post("/api/assignments", TestFiles.assignment("waits", "complete", id));

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("waiting for a retry").contains("retry-now");
        assertThat(bundle.stageOf(id)).isEqualTo("waits/hour WAITING");
    }

    @Test
    void retryNowSendsAWaitingFileAtOnceWithItsDeliveryIdAndTheNextAttemptNumber() {
        String id = failingOnce("/waits/hour");
        registerAndAssign(id, "hour");
        await().atMost(WAIT).until(() -> "waits/hour WAITING".equals(bundle.stageOf(id)));

        HttpResponse<String> retried = bundle.post("/api/files/" + id + "/retry-now", "");

        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(retried.body()).contains(id);
        await().atMost(WAIT).until(() -> "waits/complete ASSIGNED".equals(bundle.stageOf(id)));
        List<LoggedRequest> sent = receiver.requestsFor(id);
        assertThat(sent).hasSize(2).extracting(r -> r.getHeader("webhook-id")).containsOnly(sent.get(0).getHeader("webhook-id"));
        assertThat(bundle.attempts(id)).extracting(a -> a.get("ATTEMPT")).containsExactly(1, 2);
    }

    @Test
    void retryNowForAStageSendsEveryFileWaitingThere() {
        String first = failingOnce("/waits/hour");
        String second = failingOnce("/waits/hour");
        registerAndAssign(first, "hour");
        registerAndAssign(second, "hour");
        await().atMost(WAIT).until(() -> "waits/hour WAITING".equals(bundle.stageOf(first))
                                         && "waits/hour WAITING".equals(bundle.stageOf(second)));

        HttpResponse<String> retried = bundle.post("/api/workflows/waits/stages/hour/retry-now", "");

        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(retried.body()).contains(first).contains(second);
        await().atMost(WAIT).until(() -> "waits/complete ASSIGNED".equals(bundle.stageOf(first))
                                         && "waits/complete ASSIGNED".equals(bundle.stageOf(second)));
    }

    @Test
    void retryNowForAFileThatIsNotWaitingIsRefusedWithItsStatus() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("waits", "complete", id));

        HttpResponse<String> refused = bundle.post("/api/files/" + id + "/retry-now", "");

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("not waiting for a retry").contains("waits/complete");
    }

    @Test
    void aRetryIsNotSentBeforeItsDueTime() {
        String id = failingOnce("/waits/scheduled");
        registerAndAssign(id, "scheduled");
        await().atMost(WAIT).until(() -> "waits/scheduled WAITING".equals(bundle.stageOf(id)));
        Instant due = Storage.instant(bundle.jdbc().queryForObject("SELECT due_at FROM assignment WHERE item_id = ?",
                Object.class, id));

        await().atMost(WAIT).until(() -> "waits/complete ASSIGNED".equals(bundle.stageOf(id)));
        List<LoggedRequest> sent = receiver.requestsFor(id);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).getLoggedDate().toInstant()).isAfterOrEqualTo(due.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void aStageRetryScheduleSetsItsNumberOfAttemptsBeforeTheFailureStage() {
        String id = TestFiles.newId();
        stub("/waits/scheduled", id, 503);
        registerAndAssign(id, "scheduled");

        await().atMost(WAIT).until(() -> "waits/failed ASSIGNED".equals(bundle.stageOf(id)));
        // retry_schedule: [300ms, 300ms] is two retries: three attempts in all
        assertThat(receiver.requestsFor(id)).hasSize(3);
        assertThat(bundle.attempts(id)).extracting(a -> a.get("ATTEMPT")).containsExactly(1, 2, 3);
    }

    @Test
    void retriesZeroSendsOnceAndThenTheFailureStage() {
        String id = TestFiles.newId();
        stub("/waits/no-retry", id, 503);
        registerAndAssign(id, "no-retry");

        await().atMost(WAIT).until(() -> "waits/failed ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id)).hasSize(1);
    }

    @Test
    void operatorsSeeWaitingFilesInTheMetricsAndTheQueueSummary() {
        String id = failingOnce("/waits/hour");
        registerAndAssign(id, "hour");
        await().atMost(WAIT).until(() -> "waits/hour WAITING".equals(bundle.stageOf(id)));

        await().atMost(WAIT).untilAsserted(() -> assertThat(
                bundle.metric("webhook_queue_files", "stage=\"hour\",status=\"WAITING\",workflow=\"waits\""))
                .isGreaterThanOrEqualTo(1.0));
        assertThat(bundle.metrics()).contains("webhook_retry_overdue_age_seconds{stage=\"hour\",workflow=\"waits\"}");
        assertThat(bundle.queueSummary()).containsPattern("waits/hour waiting for a retry [1-9]");
    }

    @Test
    void theWorkflowsApiShowsEachStagesScheduleAndLimits() throws Exception {
        JsonNode workflows = JSON.readTree(bundle.get("/api/workflows").body());
        JsonNode waits = null;
        for (JsonNode workflow : workflows.path("workflows")) {
            if ("waits".equals(workflow.path("name").asText())) {
                waits = workflow.path("stages");
            }
        }
        assertThat(waits).isNotNull();
        Map<String, JsonNode> byName = new java.util.HashMap<>();
        waits.forEach(stage -> byName.put(stage.path("name").asText(), stage));
        assertThat(byName.get("scheduled").path("retry_schedule").toString()).isEqualTo("[\"300ms\",\"300ms\"]");
        assertThat(byName.get("scheduled").path("retries").asInt()).isEqualTo(2);
        // BundleUnderTest's webhook.retry-schedule, its last wait repeated for the default five retries
        assertThat(byName.get("gone").path("retry_schedule").toString()).isEqualTo("[\"200ms\"]");
        assertThat(byName.get("paced").path("retry_schedule").toString())
                .isEqualTo("[\"50ms\",\"100ms\",\"200ms\",\"400ms\",\"400ms\"]");
        assertThat(byName.get("paced").path("max_per_second").asDouble()).isEqualTo(5.0);
        assertThat(byName.get("paced").path("max_concurrency").asInt()).isEqualTo(6);
    }

    /** A new file whose first request to {@code path} is answered 503, and every later one 200. */
    private static String failingOnce(String path) {
        String id = TestFiles.newId();
        receiver.wiremock().stubFor(post(urlPathEqualTo(path))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                .inScenario("once-" + id).whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("answered"));
        return id;
    }

    private static void stub(String path, String id, int status) {
        receiver.wiremock().stubFor(post(urlPathEqualTo(path))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                .willReturn(aResponse().withStatus(status)));
    }

    private static void registerAndAssign(String id, String stage) {
        assertThat(bundle.post("/api/files", TestFiles.registration(id)).statusCode()).isEqualTo(201);
        HttpResponse<String> assigned = bundle.post("/api/assignments", TestFiles.assignment("waits", stage, id));
        assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(200);
    }
}
