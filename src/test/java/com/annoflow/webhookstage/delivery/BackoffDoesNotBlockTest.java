package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A file waiting for its retry holds no delivery thread: with one consumer, the next file is sent during the back-off. */
class BackoffDoesNotBlockTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.concurrency", "1")
            .with("webhook.retry-schedule", "3s");

    @Test
    void aFileInBackOffDoesNotHoldTheOnlyConsumerThread() {
        String retried = TestFiles.newId();
        String next = TestFiles.newId();
        String scenario = "backoff-" + retried;
        receiver.wiremock().stubFor(post(urlPathEqualTo("/send"))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(retried)))
                .inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("recovered"));
        bundle.post("/api/files", TestFiles.registration(retried));
        bundle.post("/api/files", TestFiles.registration(next));

        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", retried));
        await().atMost(Duration.ofSeconds(10)).until(() -> bundle.attempts(retried).size() == 1);
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", next));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(bundle.stageOf(retried)).isEqualTo("flow/annotate ASSIGNED");
            assertThat(bundle.stageOf(next)).isEqualTo("flow/annotate ASSIGNED");
        });
        Instant retry = Storage.instant(bundle.attempts(retried).get(1).get("ATTEMPTED_AT"));
        Instant sentMeanwhile = Storage.instant(bundle.attempts(next).get(0).get("ATTEMPTED_AT"));
        assertThat(sentMeanwhile).isBefore(retry);
    }
}
