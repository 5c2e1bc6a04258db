package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.Test;

/**
 * A retry that falls due before the next poll is claimed when it is due: the instance that parked the file sets a
 * timer for it. The poll interval is a minute, and a 2 s wait is too far ahead for PostgreSQL's notification (which
 * fires only for files due within a second), so only the timer can explain a retry within seconds. Both databases.
 */
class RetryDueBeforeTheNextPollTest {

    @Test
    void aRetryDueInTwoSecondsIsSentThenAlthoughTheNextPollIsAMinuteAway() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
                        .with("webhook.poll-interval", "60000").with("webhook.retry-schedule", "2s").start()) {
            receiver.wiremock().stubFor(post(urlPathEqualTo("/send")).inScenario("once")
                    .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
            // the first attempt at once: a stage that resumes wakes the claim (HSQLDB has no notification of the assignment)
            bundle.post("/api/workflows/flow/stages/send/pause", "");
            bundle.post("/api/workflows/flow/stages/send/resume", "");
            await().atMost(Duration.ofSeconds(10)).until(() -> "flow/send WAITING".equals(bundle.stageOf(id)));

            await().atMost(Duration.ofSeconds(10)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
            assertThat(receiver.requestsFor(id)).hasSize(2);
        }
    }
}
