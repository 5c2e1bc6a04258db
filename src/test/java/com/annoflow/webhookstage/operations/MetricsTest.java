package com.annoflow.webhookstage.operations;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /observe/metrics moves as deliveries happen: attempts, outcomes, latency, queue depth. */
class MetricsTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void deliveriesAttemptsAndTheirLatencyAreCounted() {
        double deliveredBefore = value("webhook_deliveries_total", "outcome=\"DELIVERED\",stage=\"send\",workflow=\"flow\"");
        double rejectedBefore = value("webhook_attempts_total", "outcome=\"REJECTED\",stage=\"send\",workflow=\"flow\"");
        String ok = deliver(200);
        String refused = deliver(404);
        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(ok))
                                                           && "flow/webhook-failed ASSIGNED".equals(bundle.stageOf(refused)));

        assertThat(value("webhook_deliveries_total", "outcome=\"DELIVERED\",stage=\"send\",workflow=\"flow\""))
                .isEqualTo(deliveredBefore + 1);
        assertThat(value("webhook_attempts_total", "outcome=\"REJECTED\",stage=\"send\",workflow=\"flow\""))
                .isEqualTo(rejectedBefore + 1);
        assertThat(value("webhook_deliveries_total", "outcome=\"FAILED\",stage=\"send\",workflow=\"flow\"")).isPositive();
        assertThat(metrics()).contains("webhook_attempt_duration_seconds_bucket{stage=\"send\",workflow=\"flow\"");
    }

    @Test
    void routeMetricsCountAVisitOnceAndNotTheStepsItCalls() {
        double visitsBefore = routeExchanges("webhook-deliver");
        String ok = deliver(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(ok)));

        // Camel counts the route's exchange as it completes, which need not be before the file's move has committed
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(routeExchanges("webhook-deliver")).isEqualTo(visitsBefore + 1));
        assertThat(routeExchanges("webhook-claim")).isPositive();
        for (String step : new String[] { "webhook-attempt", "webhook-post", "webhook-http-request", "webhook-route-next" }) {
            assertThat(metrics()).as("route metrics of the step %s", step).doesNotContain("routeId=\"" + step + "\"");
        }
    }

    @Test
    void theQueueDepthShowsAFileBeingSent() {
        String id = TestFiles.newId();
        // a receiver that takes 4 s to answer keeps the file SENDING long enough for the 2 s gauge snapshot to see it
        receiver.wiremock().stubFor(post(urlPathEqualTo("/send"))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                .willReturn(aResponse().withStatus(200).withFixedDelay(4000)));
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> value("webhook_queue_files", "stage=\"send\",status=\"SENDING\",workflow=\"flow\"") >= 1);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> value("webhook_queue_oldest_age_seconds", "stage=\"send\",workflow=\"flow\"") >= 1.0);
        await().atMost(Duration.ofSeconds(15)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
    }

    @Test
    void aRecoveredLeaseIsCounted() {
        double before = value("webhook_leases_recovered_total", "");
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", id));
        long stageId = bundle.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'",
                Long.class);
        bundle.jdbc().update("UPDATE assignment SET stage_id = ?, status = 'SENDING', delivery_id = 'msg_1', lease_owner = 'gone',"
                             + " lease_expires_at = ? WHERE item_id = ?", stageId, java.time.OffsetDateTime.now().minusMinutes(1), id);

        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(value("webhook_leases_recovered_total", "")).isGreaterThanOrEqualTo(before + 1);
    }

    private static String deliver(int status) {
        String id = TestFiles.newId();
        receiver.wiremock().stubFor(post(urlPathEqualTo("/send"))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                .willReturn(aResponse().withStatus(status)));
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
        return id;
    }

    private static double value(String metric, String labels) {
        return bundle.metric(metric, labels);
    }

    /** Camel's count of exchanges of one route. */
    private static double routeExchanges(String routeId) {
        return value("camel_exchanges_total",
                "camelContext=\"webhook-stage\",eventType=\"route\",kind=\"CamelRoute\",routeId=\"" + routeId + "\"");
    }

    private static String metrics() {
        return bundle.metrics();
    }
}
