package com.annoflow.webhookstage.api;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Failed files can be sent again, one by one or all that failed a stage since a time, each as a new visit. */
class RedeliveryTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.retries", "0");

    @Test
    void aRedeliveredFileIsANewVisitWithANewDeliveryIdAndAFullBudget() {
        String id = failAtSend();
        String firstId = receiver.requestsFor(id).get(0).getHeader("webhook-id");

        HttpResponse<String> answer = bundle.post("/api/redeliveries",
                "{\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [\"" + id + "\"]}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));

        List<String> ids = receiver.requestsFor(id).stream().map(r -> r.getHeader("webhook-id")).toList();
        assertThat(ids).hasSize(2).doesNotHaveDuplicates().startsWith(firstId);
        assertThat(bundle.attempts(id)).extracting(a -> a.get("ATTEMPT")).containsExactly(1, 1);
    }

    @Test
    void redeliverySinceATimeTakesOnlyTheFilesThatFailedSinceThen() {
        String before = failAtSend();
        Instant since = Instant.now();
        String first = failAtSend();
        String second = failAtSend();

        HttpResponse<String> answer = bundle.post("/api/redeliveries",
                "{\"workflow\": \"flow\", \"stage\": \"send\", \"failed_since\": \"" + since + "\"}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(PayloadSchema.read(answer.body()).get("redelivered").toString()).contains(first, second).doesNotContain(before);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(bundle.stageOf(first)).isEqualTo("flow/annotate ASSIGNED");
            assertThat(bundle.stageOf(second)).isEqualTo("flow/annotate ASSIGNED");
        });
        assertThat(bundle.stageOf(before)).isEqualTo("flow/webhook-failed ASSIGNED");
    }

    @Test
    void theAttemptsOfAStageCanBeListed() {
        String id = failAtSend();
        String body = bundle.get("/api/workflows/flow/stages/send/deliveries").body();
        assertThat(body).contains(id).contains("\"outcome\":\"FAILED\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "neither ids nor time | {\"workflow\": \"flow\", \"stage\": \"send\"} | 400 | send either file_ids",
            "both | {\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [\"x\"], \"failed_since\": \"2026-01-01T00:00:00Z\"} | 400 | send either file_ids",
            "not a time | {\"workflow\": \"flow\", \"stage\": \"send\", \"failed_since\": \"yesterday\"} | 400 | failed_since: 'yesterday' is not an ISO-8601",
            "not a webhook stage | {\"workflow\": \"flow\", \"stage\": \"annotate\", \"file_ids\": [\"x\"]} | 400 | deliveries belong to webhook stages",
            "unknown file | {\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [\"no-such-file\"]} | 404 | no-such-file"
    })
    void aBadRedeliveryRequestIsRefusedWithTheFieldNamed(String why, String body, int status, String message) {
        HttpResponse<String> answer = bundle.post("/api/redeliveries", body);
        assertThat(answer.statusCode()).isEqualTo(status);
        assertThat(answer.body()).contains(message);
    }

    /** A file that failed flow/send (budget 1 attempt here) and now waits in webhook-failed; the receiver then recovers. */
    private static String failAtSend() {
        String id = TestFiles.newId();
        StubMapping failing = receiver.wiremock().stubFor(post(urlPathEqualTo("/send"))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                .willReturn(aResponse().withStatus(500)));
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/webhook-failed ASSIGNED".equals(bundle.stageOf(id)));
        receiver.wiremock().removeStub(failing);
        return id;
    }
}
