package com.annoflow.webhookstage.scaleout;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.HsqldbOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What the bundle reported as done stays done after a SIGKILL on the embedded database: a bundle JVM is killed the
 * moment the API shows a commit, and a new one on the same database must find it there, with nothing sent again. The
 * database is an existing HSQLDB file database made with HSQLDB's defaults (commits synced every 500 ms, as data/ of
 * earlier versions), and the URL is the plain file URL, so the bundle itself must make the commits durable. The tests
 * share one database and run in order; each kills the bundle once and starts the next. (PostgreSQL commits durably
 * by itself; CrashRecoveryTest kills bundles on it.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@HsqldbOnly
class CommittedWorkSurvivesAKillTest {

    private static final Duration QUIET = Duration.ofSeconds(4);

    private static Receiver receiver;
    private static TestDatabase database;
    private static BundleProcess bundle;
    private static int generation;

    @BeforeAll
    static void start() {
        receiver = new Receiver().start();
        receiver.wiremock().stubFor(post(urlPathEqualTo("/chain/second")).willReturn(aResponse().withStatus(500)));
        receiver.wiremock().stubFor(post(urlPathEqualTo("/unavailable")).willReturn(aResponse().withStatus(503)));
        database = TestDatabase.durable().madeWithHsqldbDefaults();
        bundle = started();
    }

    @AfterAll
    static void stop() {
        if (bundle != null) {
            bundle.close();
        }
        receiver.close();
    }

    @Test
    @Order(1)
    void aChainedStagesAttemptAndTheMovesBeforeItStayMadeAfterAKillAndNothingIsSentAgain() {
        String id = Api.registerAndAssign(bundle, "chain", "first");
        killOnceTheApiShows("/api/files/" + id, file -> "failed".equals(file.path("stage").asText()));

        JsonNode file = Api.get(bundle, "/api/files/" + id);
        assertThat(file.path("stage").asText()).isEqualTo("failed");
        assertThat(file.path("status").asText()).isEqualTo("ASSIGNED");
        assertThat(file.path("history").findValuesAsText("reason")).as("the move on from first, then to the failure stage")
                .containsExactly("ASSIGNED", "DELIVERED", "FAILED");
        await().during(QUIET).atMost(QUIET.plusSeconds(5)).until(() -> requests(id, "/chain/second").size() == 1);
        assertThat(requests(id, "/chain/first")).hasSize(1);
        JsonNode attempts = Api.get(bundle, "/api/files/" + id + "/deliveries").path("attempts");
        assertThat(attempts.findValuesAsText("stage")).containsExactly("first", "second");
        assertThat(attempts.findValuesAsText("outcome")).as("the attempt the receiver answered, as it answered it")
                .containsExactly("DELIVERED", "FAILED");
        assertThat(attempts.get(1).path("http_status").asInt()).isEqualTo(500);
        assertThat(attempts.get(1).path("delivery_id").asText())
                .isEqualTo(requests(id, "/chain/second").get(0).getHeader("webhook-id"));
    }

    @Test
    @Order(2)
    void attemptsMadeBeforeAKillStillCountAfterTheRestartAndAreNotMadeAgain() {
        String id = Api.registerAndAssign(bundle, "retrying", "hook");
        killOnceTheApiShows("/api/files/" + id + "/deliveries", deliveries -> deliveries.path("attempts").size() == 2);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> "failed".equals(Api.get(bundle, "/api/files/" + id).path("stage").asText()));
        List<LoggedRequest> sent = requests(id, "/unavailable");
        assertThat(sent).as("retries: 3 is four attempts in all, across the kill").hasSize(4);
        assertThat(sent).extracting(r -> r.getHeader("webhook-id")).containsOnly(sent.get(0).getHeader("webhook-id"));
        JsonNode attempts = Api.get(bundle, "/api/files/" + id + "/deliveries").path("attempts");
        assertThat(attempts.findValuesAsText("attempt")).containsExactly("1", "2", "3", "4");
    }

    /** Polls the API until it shows {@code committed}, kills the bundle at once (SIGKILL), and starts a new one. */
    private static void killOnceTheApiShows(String path, Predicate<JsonNode> committed) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> committed.test(Api.get(bundle, path)));
        bundle.kill();
        bundle = started();
    }

    private static BundleProcess started() {
        BundleProcess next = BundleProcess.forDeliveryTests("durable-" + generation++, database, receiver.baseUrl())
                .with("webhook.lease-duration", "2s")
                .with("webhook.lease-recovery-interval", "500ms")
                .with("webhook.timeout", "1s")
                .with("webhook.retry-schedule", "300ms, 500ms")
                .with("webhook.retry-after.max", "500ms")
                .start();
        Api.awaitUp(next);
        return next;
    }

    private static List<LoggedRequest> requests(String itemId, String path) {
        return receiver.requestsFor(itemId).stream().filter(r -> r.getUrl().equals(path)).toList();
    }
}
