package com.annoflow.webhookstage.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import com.annoflow.webhookstage.signing.WebhookVerifier;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A ping sends a test payload to a stage's URL like a delivery, and moves no file. */
class PingTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void aPingReachesTheReceiverSignedLikeADeliveryAndChangesNothing() {
        int attemptsBefore = count("delivery_attempt");
        int transitionsBefore = count("stage_transition");

        HttpResponse<String> answer = bundle.post("/api/workflows/signed/stages/hook/ping", "");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode result = PayloadSchema.read(answer.body());
        assertThat(result.get("outcome").asText()).isEqualTo("DELIVERED");
        assertThat(result.get("http_status").asInt()).isEqualTo(200);

        LoggedRequest request = receiver.wiremock().getAllServeEvents().stream().map(e -> e.getRequest())
                .filter(r -> r.getUrl().equals("/signed")).findFirst().orElseThrow();
        assertThat(request.getHeader("webhook-id")).isEqualTo(result.get("delivery_id").asText()).startsWith("msg_ping_");
        // marked as a test, so a receiver (or a route) can drop it; deliveries never carry it
        assertThat(request.getHeader("webhook-test")).isEqualTo("true");
        assertThat(PayloadSchema.problems(request.getBodyAsString())).isEmpty();
        assertThat(new WebhookVerifier(BundleUnderTest.SIGNING_SECRET).verify(request.getHeader("webhook-id"),
                request.getHeader("webhook-timestamp"), request.getHeader("webhook-signature"), request.getBody())).isTrue();
        assertThat(count("delivery_attempt")).isEqualTo(attemptsBefore);
        assertThat(count("stage_transition")).isEqualTo(transitionsBefore);
    }

    @Test
    void aPingToADeadEndpointSaysWhy() {
        HttpResponse<String> answer = bundle.post("/api/workflows/refused/stages/hook/ping", "");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"outcome\":\"UNANSWERED\"");
    }

    @Test
    void onlyWebhookStagesCanBePinged() {
        HttpResponse<String> answer = bundle.post("/api/workflows/flow/stages/annotate/ping", "");
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("deliveries belong to webhook stages");
    }

    private static int count(String table) {
        return bundle.jdbc().queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
    }
}
