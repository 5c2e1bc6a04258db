package com.annoflow.webhookstage.scaleout;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL while a file waits for its retry: the wait is a row in the database, so the next bundle process retries the
 * file at its due time (not at once, not from the start), with the same delivery id and within its budget. On both
 * databases.
 */
class AWaitingRetrySurvivesAKillTest {

    /** Longer than a restart after a kill takes (HSQLDB waits about 7 s for the stale lock), so "not early" is tested. */
    private static final String WAIT = "20s";

    @Test
    void aFileWaitingForItsRetryIsRetriedAtItsDueTimeByTheNextProcessWithItsDeliveryId() {
        TestDatabase database = TestDatabase.durable();
        try (Receiver receiver = new Receiver().start()) {
            receiver.wiremock().stubFor(post(urlPathEqualTo("/unavailable")).inScenario("once")
                    .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
            BundleProcess first = started("waiting-1", database, receiver);
            String id;
            Instant due;
            try {
                id = Api.registerAndAssign(first, "retrying", "hook");
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> "WAITING".equals(Api.get(first, "/api/files/" + id).path("status").asText()));
                JsonNode file = Api.get(first, "/api/files/" + id);
                due = Instant.parse(file.path("next_attempt_at").asText());
                assertThat(file.path("attempts").asInt()).isEqualTo(1);
                first.kill();
            } finally {
                first.close();
            }

            BundleProcess second = started("waiting-2", database, receiver);
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> "complete".equals(Api.get(second, "/api/files/" + id).path("stage").asText()));
                List<LoggedRequest> sent = receiver.requestsFor(id);
                assertThat(sent).as("the first attempt and its retry, no more").hasSize(2);
                assertThat(sent).extracting(r -> r.getHeader("webhook-id")).containsOnly(sent.get(0).getHeader("webhook-id"));
                assertThat(sent.get(1).getLoggedDate().toInstant()).as("the retry, against its due time %s", due)
                        .isAfterOrEqualTo(due.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
                JsonNode attempts = Api.get(second, "/api/files/" + id + "/deliveries").path("attempts");
                assertThat(attempts.findValuesAsText("attempt")).containsExactly("1", "2");
            } finally {
                second.close();
            }
        }
    }

    private static BundleProcess started(String name, TestDatabase database, Receiver receiver) {
        BundleProcess bundle = BundleProcess.forDeliveryTests(name, database, receiver.baseUrl())
                .with("webhook.retry-schedule", WAIT)
                .with("webhook.lease-duration", "30s")
                .with("webhook.lease-recovery-interval", "1s")
                .with("webhook.poll-interval", "200")
                .start();
        Api.awaitUp(bundle);
        return bundle;
    }
}
