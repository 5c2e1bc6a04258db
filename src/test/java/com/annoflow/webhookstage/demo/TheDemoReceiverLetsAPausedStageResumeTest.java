package com.annoflow.webhookstage.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The demo receiver fails the first attempt of every delivery, but answers pings and endpoint probes: failing those
 * too kept a demo stage paused for good after a kill and restart (found black-box: the restarted receiver had forgotten
 * the deliveries it had seen, their second attempts failed as well, the stage paused, and every probe got 503).
 */
class TheDemoReceiverLetsAPausedStageResumeTest {

    @RegisterExtension
    static final BundleUnderTest bundle = new BundleUnderTest("config/workflow.yaml")
            .with("webhook.demo.enabled", "true")
            .with("webhook.ssrf.allow", "127.0.0.1");

    @Test
    void aPingOfADemoStageIsAnsweredTwoHundredEveryTime() {
        for (int ping = 0; ping < 2; ping++) {
            HttpResponse<String> answer = bundle.post("/api/workflows/demo/stages/notify-receiver/ping", "");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(PayloadSchema.read(answer.body()).get("http_status").asInt()).as(answer.body()).isEqualTo(200);
        }
    }
}
