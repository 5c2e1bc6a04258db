package com.annoflow.webhookstage.delivery;

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

/** Payloads above webhook.max-payload-bytes are not sent; a receiver's 413 is final and reported as such. */
class PayloadLimitTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.max-payload-bytes", "1000");

    @Test
    void anOversizePayloadGoesToTheFailureStageWithTheReasonAndIsNeverSent() {
        String id = TestFiles.newId();
        String fiveCars = "[" + String.join(",", java.util.Collections.nCopies(5, TestFiles.carAnnotation())) + "]";
        bundle.post("/api/files", "{\"files\": [" + TestFiles.file(id, "big.jpg", fiveCars) + "]}");
        bundle.post("/api/assignments", TestFiles.assignment("contract", "with-annotations", id));

        await().atMost(Duration.ofSeconds(20)).until(() -> "contract/failed ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id)).isEmpty();
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a)
                .containsEntry("OUTCOME", "PAYLOAD_TOO_LARGE")
                .hasEntrySatisfying("ERROR", e -> assertThat((String) e).contains("webhook.max-payload-bytes=1000")));
    }

    @Test
    void aPayloadWithinTheLimitIsSent() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id).get(0).getBody().length).isLessThanOrEqualTo(1000);
    }

    @Test
    void aReceiversPayloadTooLargeAnswerIsFinalAndSaysSo() {
        String id = TestFiles.newId();
        receiver.wiremock().stubFor(post(urlPathEqualTo("/send"))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                .willReturn(aResponse().withStatus(413)));
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));

        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/webhook-failed ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a).containsEntry("HTTP_STATUS", 413)
                .hasEntrySatisfying("ERROR", e -> assertThat((String) e).contains("too large")));
    }
}
