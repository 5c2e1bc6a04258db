package com.annoflow.webhookstage.signing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A receiver holding the stage's secret verifies every request it gets, retries included, and during rotation. */
class SignedDeliveryTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void everyAttemptIsSignedOverTheExactBytesSentAndVerifiesAtTheReceiver() {
        String id = TestFiles.newId();
        String scenario = "signed-" + id;
        for (int i = 0; i < 3; i++) {
            receiver.wiremock().stubFor(post(urlPathEqualTo("/signed"))
                    .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                    .inScenario(scenario).whenScenarioStateIs(i == 0 ? Scenario.STARTED : "attempt-" + i)
                    .willReturn(aResponse().withStatus(i < 2 ? 503 : 200)).willSetStateTo("attempt-" + (i + 1)));
        }
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("signed", "hook", id));
        await().atMost(Duration.ofSeconds(30)).until(() -> "signed/rotating ASSIGNED".equals(bundle.stageOf(id))
                                                           || "signed/complete ASSIGNED".equals(bundle.stageOf(id)));

        List<LoggedRequest> requests = receiver.requestsFor(id).stream().filter(r -> r.getUrl().equals("/signed")).toList();
        assertThat(requests).hasSize(3);
        WebhookVerifier verifier = new WebhookVerifier(BundleUnderTest.SIGNING_SECRET);
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.getHeader("webhook-signature")).startsWith("v1,").doesNotContain(" ");
            assertThat(verifier.verify(r.getHeader("webhook-id"), r.getHeader("webhook-timestamp"),
                    r.getHeader("webhook-signature"), r.getBody())).isTrue();
        });
        assertThat(requests).extracting(r -> r.getHeader("webhook-id")).containsOnly(requests.get(0).getHeader("webhook-id"));
    }

    @Test
    void duringRotationReceiversWithTheOldOrTheNewSecretBothVerify() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("signed", "rotating", id));
        await().atMost(Duration.ofSeconds(30)).until(() -> "signed/complete ASSIGNED".equals(bundle.stageOf(id)));

        LoggedRequest request = receiver.requestsFor(id).get(0);
        assertThat(request.getHeader("webhook-signature").split(" ")).hasSize(2);
        for (String secret : List.of(BundleUnderTest.SIGNING_SECRET, BundleUnderTest.NEXT_SIGNING_SECRET)) {
            assertThat(new WebhookVerifier(secret).verify(request.getHeader("webhook-id"),
                    request.getHeader("webhook-timestamp"), request.getHeader("webhook-signature"), request.getBody()))
                    .as("verifies with %s", secret.substring(0, 10)).isTrue();
        }
    }

    @Test
    void anUnsignedStageSendsNoSignatureHeaders() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
        await().atMost(Duration.ofSeconds(30)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id).get(0).containsHeader("webhook-signature")).isFalse();
    }
}
