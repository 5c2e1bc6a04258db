package com.annoflow.webhookstage.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The demo receiver shows a retry, but never keeps a demo stage paused. It answers pings and endpoint probes: failing
 * those too kept a demo stage paused for good after a kill and restart (found black-box: the restarted receiver had
 * forgotten the deliveries it had seen, their second attempts failed as well, the stage paused, and every probe got
 * 503). And it fails the first attempt of every third delivery of a stage, not of every one: with every first attempt
 * failing, a burst of files assigned to a demo stage paused it again after every probe (found black-box: 40 files,
 * 11 pauses in 3 minutes).
 */
class TheDemoReceiverKeepsItsStagesSendingTest {

    @RegisterExtension
    static final BundleUnderTest bundle = new BundleUnderTest("config/workflow.yaml")
            .with("webhook.demo.enabled", "true")
            .with("webhook.ssrf.allow", "127.0.0.1")
            // endpoint health as configured in config/application.properties (the tests' default turns it off)
            .with("webhook.circuit.enabled", "true");

    @Test
    void aPingOfADemoStageIsAnsweredTwoHundredEveryTime() {
        for (int ping = 0; ping < 2; ping++) {
            HttpResponse<String> answer = bundle.post("/api/workflows/demo/stages/notify-receiver/ping", "");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(PayloadSchema.read(answer.body()).get("http_status").asInt()).as(answer.body()).isEqualTo(200);
        }
    }

    @Test
    void aBurstOfFilesAssignedToADemoStageIsDeliveredWithARetryShownAndWithoutAPause() {
        List<String> burst = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String id = TestFiles.newId();
            assertThat(bundle.post("/api/files", TestFiles.registration(id)).statusCode()).isEqualTo(201);
            burst.add(id);
        }
        HttpResponse<String> assigned = bundle.post("/api/assignments",
                TestFiles.assignment("demo", "notify-receiver", burst.toArray(String[]::new)));
        assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(200);

        // the failed first attempts are retried after the tests' short schedule
        await().atMost(Duration.ofSeconds(30)).until(() -> burst.stream()
                .allMatch(id -> "demo/annotate ASSIGNED".equals(bundle.stageOf(id))));

        int retried = 0;
        for (String id : burst) {
            List<Map<String, Object>> attempts = bundle.attempts(id);
            assertThat(attempts).as("attempts of %s", id).hasSizeBetween(1, 2);
            if (attempts.size() == 2) {
                assertThat(attempts.get(0).get("http_status")).isEqualTo(503);
                assertThat(attempts.get(1).get("delivery_id")).isEqualTo(attempts.get(0).get("delivery_id"));
                retried++;
            }
        }
        // with the demo's own files, the stage saw 33 new deliveries: 11 first attempts failed, up to 3 of them the demo's
        assertThat(retried).as("files of the burst delivered on their second attempt").isBetween(8, 11);
        assertThat(bundle.metric("webhook_stage_pauses_total", "stage=\"notify-receiver\",workflow=\"demo\""))
                .as("times the demo stage paused").isZero();
    }
}
