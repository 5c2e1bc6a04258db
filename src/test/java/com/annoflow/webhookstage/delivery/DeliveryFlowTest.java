package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The delivery flow end to end: real bundle, real route files, real HSQLDB, a real receiver on 127.0.0.1. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeliveryFlowTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void anAssignedFileIsDeliveredOnceAndMovedToTheNextStage() {
        String id = registerAndAssign("flow", "send");

        awaitStage(id, "flow/annotate ASSIGNED");
        assertThat(receiver.requestsFor(id)).hasSize(1);
        LoggedRequest request = receiver.requestsFor(id).get(0);
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        assertThat(request.getHeader("User-Agent")).startsWith("webhook-stage/");
        assertThat(request.getHeader("webhook-id")).startsWith("msg_");
        assertThat(bundle.attempts(id)).singleElement()
                .satisfies(a -> assertThat(a).containsEntry("OUTCOME", "DELIVERED").containsEntry("HTTP_STATUS", 200));
        assertThat(transitions(id)).containsExactly("ASSIGNED dataset? -> send", "DELIVERED send -> annotate");
    }

    @Test
    void twoUnavailableAnswersThenSuccessDeliverWithThreeAttemptsUnderOneDeliveryId() {
        String id = TestFiles.newId();
        stubSequence("/send", id, 503, 503, 200);
        registerAndAssign(id, "flow", "send");

        awaitStage(id, "flow/annotate ASSIGNED");
        List<Map<String, Object>> attempts = bundle.attempts(id);
        assertThat(attempts).extracting(a -> a.get("HTTP_STATUS")).containsExactly(503, 503, 200);
        assertThat(attempts).extracting(a -> a.get("ATTEMPT")).containsExactly(1, 2, 3);
        List<String> ids = receiver.requestsFor(id).stream().map(r -> r.getHeader("webhook-id")).toList();
        assertThat(ids).hasSize(3).containsOnly(ids.get(0));
        assertThat(attempts).extracting(a -> a.get("DELIVERY_ID")).containsOnly(ids.get(0));
    }

    @ParameterizedTest(name = "on_failure {0} sends the file to {1}")
    @CsvSource({ "fail-next, fail-next/annotate", "fail-previous, fail-previous/review",
            "fail-named, fail-named/webhook-failed" })
    void aReceiverThatAlwaysFailsGetsExactlySixAttemptsThenTheFileGoesToTheFailureTarget(String workflow, String target) {
        String id = TestFiles.newId();
        stub("/fail", id, aResponse().withStatus(500).withBody("boom"));
        registerAndAssign(id, workflow, "hook");

        awaitStage(id, target + " ASSIGNED");
        assertThat(bundle.attempts(id)).hasSize(6).allSatisfy(a -> assertThat(a).containsEntry("OUTCOME", "FAILED")
                .containsEntry("HTTP_STATUS", 500).containsEntry("RESPONSE_EXCERPT", "boom"));
        assertThat(receiver.requestsFor(id)).hasSize(6);
        assertThat(transitions(id)).last().asString().startsWith("FAILED hook -> ");
    }

    @Test
    void aNotFoundAnswerIsFinalAfterOneAttempt() {
        String id = TestFiles.newId();
        stub("/send", id, aResponse().withStatus(404));
        registerAndAssign(id, "flow", "send");

        awaitStage(id, "flow/webhook-failed ASSIGNED");
        assertThat(bundle.attempts(id)).singleElement()
                .satisfies(a -> assertThat(a).containsEntry("OUTCOME", "REJECTED").containsEntry("HTTP_STATUS", 404));
        assertThat(receiver.requestsFor(id)).hasSize(1);
    }

    @Test
    void aRedirectIsNotFollowedAndCountsAsAFailedAttempt() {
        String id = TestFiles.newId();
        stub("/fail", id, aResponse().withStatus(302).withHeader("Location", receiver.baseUrl() + "/elsewhere"));
        registerAndAssign(id, "fail-named", "hook");

        awaitStage(id, "fail-named/webhook-failed ASSIGNED");
        assertThat(bundle.attempts(id)).hasSize(6).allSatisfy(a -> assertThat(a).containsEntry("HTTP_STATUS", 302));
        assertThat(receiver.requestsFor(id)).extracting(LoggedRequest::getUrl).containsOnly("/fail");
    }

    @Test
    void aReceiverThatNeverAnswersInTimeCountsAsFailedAttempts() {
        String id = TestFiles.newId();
        stub("/slow", id, aResponse().withStatus(200).withFixedDelay(3000));
        registerAndAssign(id, "slow", "hook");

        awaitStage(id, "slow/failed ASSIGNED");
        assertThat(bundle.attempts(id)).hasSize(2).allSatisfy(a -> assertThat(a).containsEntry("OUTCOME", "TIMED_OUT")
                .containsEntry("HTTP_STATUS", null));
        assertThat((String) bundle.attempts(id).get(0).get("ERROR")).contains("500 ms");
    }

    @Test
    void aRefusedConnectionCountsAsFailedAttempts() {
        String id = registerAndAssign("refused", "hook");

        awaitStage(id, "refused/failed ASSIGNED");
        assertThat(bundle.attempts(id)).hasSize(2).allSatisfy(a -> assertThat(a).containsEntry("OUTCOME", "UNREACHABLE"));
        assertThat((String) bundle.attempts(id).get(0).get("ERROR")).contains("connection refused");
    }

    @Test
    void aFileMovesThroughTwoWebhookStagesInAChain() {
        String id = registerAndAssign("contract", "metadata-only");

        awaitStage(id, "contract/complete ASSIGNED");
        List<LoggedRequest> requests = receiver.requestsFor(id);
        assertThat(requests).extracting(LoggedRequest::getUrl)
                .containsExactly("/contract/metadata", "/contract/annotations");
        assertThat(requests.get(0).getHeader("webhook-id")).isNotEqualTo(requests.get(1).getHeader("webhook-id"));
        assertThat(transitions(id)).containsExactly("ASSIGNED dataset? -> metadata-only",
                "DELIVERED metadata-only -> with-annotations", "DELIVERED with-annotations -> complete");
    }

    @Test
    void retryAfterFromTheReceiverSetsTheDelayBeforeTheNextAttempt() {
        String id = TestFiles.newId();
        String scenario = "retry-after-" + id;
        receiver.wiremock().stubFor(matching("/send", id).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("second"));
        receiver.wiremock().stubFor(matching("/send", id).inScenario(scenario).whenScenarioStateIs("second")
                .willReturn(aResponse().withStatus(200)));
        registerAndAssign(id, "flow", "send");

        awaitStage(id, "flow/annotate ASSIGNED");
        List<Map<String, Object>> attempts = bundle.attempts(id);
        assertThat(attempts).extracting(a -> a.get("HTTP_STATUS")).containsExactly(429, 200);
        Duration gap = Duration.between(Storage.instant(attempts.get(0).get("ATTEMPTED_AT")),
                Storage.instant(attempts.get(1).get("ATTEMPTED_AT")));
        // the configured back-off here is 50 ms; only Retry-After explains a wait of about two seconds
        assertThat(gap).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
    }

    @Test
    void aFileWithMalformedAnnotationsGoesToTheFailureTargetWithTheReasonAndDoesNotBlockTheQueue() {
        String bad = TestFiles.newId();
        String good = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(bad));
        bundle.post("/api/files", TestFiles.registration(good));
        // another writer of the shared database stored an annotation the API would have refused
        bundle.jdbc().update("UPDATE annotation SET body = ? WHERE item_id = ?",
                "{\"name\": \"car\", \"bounding_box\": {\"x\": \"left\", \"y\": 1, \"w\": 2, \"h\": 3}}", bad);
        bundle.post("/api/assignments", TestFiles.assignment("contract", "with-annotations", bad, good));

        awaitStage(bad, "contract/failed ASSIGNED");
        awaitStage(good, "contract/complete ASSIGNED");
        assertThat(bundle.attempts(bad)).singleElement().satisfies(a -> assertThat(a)
                .containsEntry("OUTCOME", "INVALID_PAYLOAD")
                .hasEntrySatisfying("ERROR", e -> assertThat((String) e).contains("annotations[0].bounding_box.x: must be a number")));
        assertThat(receiver.requestsFor(bad)).isEmpty();
    }

    @Test
    void aClaimLeftBehindByADeadInstanceIsRecoveredAfterItsLeaseExpiresAndResumesItsBudget() {
        String id = TestFiles.newId();
        // what a crashed instance leaves behind: the file claimed, two attempts made, the lease run out
        leftBehindByADeadInstance(id, 2, "msg_0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d");

        awaitStage(id, "flow/annotate ASSIGNED");
        assertThat(receiver.requestsFor(id)).singleElement()
                .satisfies(r -> assertThat(r.getHeader("webhook-id")).isEqualTo("msg_0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d"));
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a).containsEntry("ATTEMPT", 3));
    }

    @Test
    void theQueueSummaryCountsWhatWaitsAndWhatWasDelivered() {
        String waiting = TestFiles.newId();
        stub("/slow", waiting, aResponse().withStatus(200).withFixedDelay(2000));
        registerAndAssign(waiting, "slow", "hook");
        String delivered = registerAndAssign("flow", "send");
        awaitStage(delivered, "flow/annotate ASSIGNED");

        await().atMost(WAIT).untilAsserted(() -> assertThat(bundle.queueSummary())
                .contains("slow/hook sending 1").containsPattern("[1-9][0-9]* delivered"));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void everyPayloadTheBundleSentInTheseTestsValidatesAgainstThePublishedSchema() {
        List<LoggedRequest> sent = receiver.wiremock().getAllServeEvents().stream().map(e -> e.getRequest()).toList();
        assertThat(sent).hasSizeGreaterThan(20)
                .allSatisfy(r -> assertThat(PayloadSchema.problems(r.getBodyAsString())).as(r.getBodyAsString()).isEmpty());
    }

    @Test
    void aRecoveredClaimWhoseBudgetWasUsedUpBeforeTheCrashGoesToTheFailureTargetWithoutAnotherSend() {
        String id = TestFiles.newId();
        leftBehindByADeadInstance(id, 6, "msg_6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e");

        awaitStage(id, "flow/webhook-failed ASSIGNED");
        assertThat(receiver.requestsFor(id)).isEmpty();
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a).containsEntry("OUTCOME", "BUDGET_USED_UP"));
    }

    /** A registered file claimed for flow/send by an instance that died: its lease ran out a minute ago. */
    private static void leftBehindByADeadInstance(String id, int attemptsMade, String deliveryId) {
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", id));
        long stageId = bundle.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'",
                Long.class);
        bundle.jdbc().update("UPDATE assignment SET stage_id = ?, status = 'SENDING', attempts = ?, delivery_id = ?,"
                             + " lease_owner = 'dead-instance', lease_expires_at = ? WHERE item_id = ?",
                stageId, attemptsMade, deliveryId, OffsetDateTime.now().minusMinutes(1), id);
    }

    private static String registerAndAssign(String workflow, String stage) {
        return registerAndAssign(TestFiles.newId(), workflow, stage);
    }

    private static String registerAndAssign(String id, String workflow, String stage) {
        assertThat(bundle.post("/api/files", TestFiles.registration(id)).statusCode()).isEqualTo(201);
        assertThat(bundle.post("/api/assignments", TestFiles.assignment(workflow, stage, id)).statusCode()).isEqualTo(200);
        return id;
    }

    private static void awaitStage(String id, String expected) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(bundle.stageOf(id)).isEqualTo(expected));
    }

    private static List<String> transitions(String id) {
        return bundle.jdbc().queryForList("SELECT h.reason || ' ' || COALESCE(f.name, 'dataset?') || ' -> ' || t.name"
                                          + " FROM stage_transition h JOIN stage t ON t.id = h.to_stage_id"
                                          + " LEFT JOIN stage f ON f.id = h.from_stage_id WHERE h.item_id = ? ORDER BY h.id",
                String.class, id);
    }

    private static MappingBuilder matching(String path, String itemId) {
        return post(urlPathEqualTo(path)).withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(itemId)));
    }

    private static void stub(String path, String itemId, com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        receiver.wiremock().stubFor(matching(path, itemId).willReturn(answer));
    }

    private static void stubSequence(String path, String itemId, int... statuses) {
        String scenario = "sequence-" + itemId;
        for (int i = 0; i < statuses.length; i++) {
            String state = i == 0 ? Scenario.STARTED : "answer-" + i;
            receiver.wiremock().stubFor(matching(path, itemId).inScenario(scenario).whenScenarioStateIs(state)
                    .willReturn(aResponse().withStatus(statuses[i])).willSetStateTo("answer-" + (i + 1)));
        }
    }
}
