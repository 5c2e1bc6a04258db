package com.annoflow.webhookstage.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;

/** With the guard on, a stage pointing at this machine is refused, by address or by name; the allow-list lifts it. */
class SsrfGuardTest {

    @Test
    void withoutAnAllowListLoopbackIsBlockedByAddressAndByNameAndNothingIsSent() {
        try (CapturedLogs logs = new CapturedLogs(); Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.ssrf.allow", "").start()) {
            String byAddress = assign(bundle, "by-address");
            String byName = assign(bundle, "by-name");

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(bundle.stageOf(byAddress)).isEqualTo("ssrf/failed ASSIGNED");
                assertThat(bundle.stageOf(byName)).isEqualTo("ssrf/failed ASSIGNED");
            });
            assertThat(bundle.attempts(byName)).singleElement().satisfies(a -> assertThat(a)
                    .containsEntry("OUTCOME", "BLOCKED")
                    .hasEntrySatisfying("ERROR", e -> assertThat((String) e).contains("localhost resolves to 127.0.0.1")
                            .contains("loopback").contains("webhook.ssrf.allow")));
            assertThat(bundle.attempts(byAddress)).singleElement().satisfies(a -> assertThat(a).containsEntry("OUTCOME", "BLOCKED"));
            assertThat(receiver.wiremock().getAllServeEvents()).isEmpty();
            assertThat(logs.lines()).anySatisfy(line -> assertThat(line)
                    .contains("stage ssrf/by-name cannot deliver as configured").contains("loopback"));
        }
    }

    @Test
    void theAllowListLetsTheListedHostThroughAndNothingElse() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.ssrf.allow", "localhost")
                        .start()) {
            String byName = assign(bundle, "by-name");
            String byAddress = assign(bundle, "by-address");

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(bundle.stageOf(byName)).isEqualTo("ssrf/complete ASSIGNED");
                assertThat(bundle.stageOf(byAddress)).isEqualTo("ssrf/failed ASSIGNED");
            });
        }
    }

    private static String assign(BundleUnderTest bundle, String stage) {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("ssrf", stage, id));
        return id;
    }
}
