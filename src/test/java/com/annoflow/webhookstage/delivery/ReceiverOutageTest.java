package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.MovableClock;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A receiver that answers 503 for ten minutes and 200 after, with three files assigned: with the default schedule
 * (5s, 5m, 30m, 2h, 5h) all three are delivered and none goes to the failure stage. Time is the bundle's injected
 * clock, moved on by the test, so the ten minutes (and the waits after) pass in seconds; the receiver's outage follows
 * the same clock. Run with endpoint health on (the default: the stage pauses after five failures in a row and probes
 * until the receiver answers) and off (the schedule alone rides the outage out).
 */
class ReceiverOutageTest {

    private static final Duration OUTAGE = Duration.ofMinutes(10);
    private static final Duration STEP = Duration.ofSeconds(15);

    @ParameterizedTest(name = "endpoint health enabled: {0}")
    @ValueSource(booleans = { true, false })
    void threeFilesOutliveATenMinuteOutageWithTheDefaultSchedule(boolean endpointHealth) {
        MovableClock clock = new MovableClock();
        Instant outageEnds = clock.instant().plus(OUTAGE);
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
                        .without("webhook.retry-schedule") // the default schedule of config/application.properties
                        .with("webhook.circuit.enabled", Boolean.toString(endpointHealth))
                        .with("webhook.circuit.probe-interval", "200ms")
                        // a lease the moving clock cannot outrun while a request is out
                        .with("webhook.lease-duration", "24h")
                        .withClock(clock).start()) {
            StubMapping down = receiver.wiremock().stubFor(post(urlPathEqualTo("/send")).willReturn(aResponse().withStatus(503)));
            java.util.concurrent.atomic.AtomicBoolean recovered = new java.util.concurrent.atomic.AtomicBoolean();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String id = TestFiles.newId();
                bundle.post("/api/files", TestFiles.registration(id));
                ids.add(id);
            }
            bundle.post("/api/assignments", TestFiles.assignment("flow", "send", ids.toArray(String[]::new)));
            await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> !bundle.attempts(id).isEmpty()));

            // an hour of the bundle's time, a step every 50 ms of real time; the receiver recovers after ten minutes
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                clock.advance(STEP);
                if (!clock.instant().isBefore(outageEnds) && recovered.compareAndSet(false, true)) {
                    receiver.wiremock().removeStub(down);
                }
                return ids.stream().allMatch(id -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
            });

            for (String id : ids) {
                assertThat(bundle.attempts(id)).as("attempts of %s", id).hasSizeLessThanOrEqualTo(6)
                        .last().satisfies(a -> assertThat(a.get("OUTCOME")).isEqualTo("DELIVERED"));
                assertThat(receiver.requestsFor(id)).extracting(r -> r.getHeader("webhook-id")).as("delivery ids of %s", id)
                        .containsOnly(receiver.requestsFor(id).get(0).getHeader("webhook-id"));
            }
            assertThat(bundle.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition WHERE reason = 'FAILED'",
                    Integer.class)).as("files sent to the failure stage").isZero();
        }
    }
}
