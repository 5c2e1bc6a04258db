package com.annoflow.webhookstage.operations;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Endpoint health for stages with few files: a run of failed attempts in a row pauses the stage (the failure rate needs
 * 20 attempts in its window, which a handful of files never make), and a 410 Gone pauses it until an operator resumes it.
 */
class QuietStageHealthTest {

    private final Receiver receiver = new Receiver();
    // a bundle and a receiver of its own for each test
    @RegisterExtension
    final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.circuit.enabled", "true")
            .with("webhook.circuit.minimum-attempts", "20")
            .with("webhook.circuit.consecutive-failures", "3")
            .with("webhook.circuit.probe-interval", "500ms")
            // waits long enough that only the pause, not the schedule, can explain what happens
            .with("webhook.retry-schedule", "1s, 2s");

    @Test
    void twoFilesAtAFailingReceiverPauseTheirStageAfterThreeFailuresInARowAndAreDeliveredWhenItRecovers() {
        StubMapping down = receiver.wiremock().stubFor(post(urlPathEqualTo("/send")).willReturn(aResponse().withStatus(503)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            ids.add(id);
        }
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", ids.toArray(String[]::new)));

        await().atMost(Duration.ofSeconds(20)).until(() -> !"SENDING".equals(health("flow", "send").path("state").asText()));
        assertThat(health("flow", "send").path("state").asText()).isIn("PAUSED_BY_FAILURES", "PROBING");
        // a failed attempt's row is written with its park, in a group a few milliseconds after the circuit counted it
        // (delivery/VisitEnds)
        await().atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(attempts(ids)).as("attempts made before the pause").isBetween(3, 4));
        int attemptsWhenPaused = attempts(ids);
        // paused: the files wait with their due times and are charged nothing while the probes knock
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> attempts(ids) == attemptsWhenPaused);
        assertThat(ids).allMatch(id -> List.of("flow/send WAITING", "flow/send QUEUED").contains(bundle.stageOf(id)));

        receiver.wiremock().removeStub(down);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> ids.stream().allMatch(id -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id))));
        for (String id : ids) {
            assertThat(bundle.attempts(id)).as("attempts of %s", id).hasSizeLessThanOrEqualTo(3);
        }
    }

    @Test
    void aGoneAnswerPausesTheStageUntilAnOperatorResumesItAndTheFileKeepsWaiting() {
        String id = TestFiles.newId();
        StubMapping gone = receiver.wiremock().stubFor(post(urlPathEqualTo("/waits/gone"))
                .willReturn(aResponse().withStatus(410)));
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("waits", "gone", id));

        await().atMost(Duration.ofSeconds(20)).until(() -> "PAUSED_GONE".equals(health("waits", "gone").path("state").asText()));
        JsonNode health = health("waits", "gone");
        assertThat(health.path("reason").asText()).isEqualTo("gone");
        // the attempt's row is written with the file's park, a few milliseconds after the circuit saw the 410
        await().atMost(Duration.ofSeconds(10)).until(() -> List.of("waits/gone WAITING", "waits/gone QUEUED")
                .contains(bundle.stageOf(id)));
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a)
                .containsEntry("OUTCOME", "GONE").containsEntry("HTTP_STATUS", 410));

        // the receiver answers again, but a probe does not lift a "gone": only an operator does
        receiver.wiremock().removeStub(gone);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> "PAUSED_GONE".equals(health("waits", "gone").path("state").asText()));
        assertThat(receiver.requestsFor(id)).hasSize(1);

        HttpResponse<String> resumed = bundle.post("/api/workflows/waits/stages/gone/resume", "");
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> "waits/complete ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(bundle.attempts(id)).extracting(a -> a.get("ATTEMPT")).containsExactly(1, 2);
    }

    private JsonNode health(String workflow, String stage) {
        HttpResponse<String> answer = bundle.get("/api/workflows/" + workflow + "/stages/" + stage + "/health");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return PayloadSchema.read(answer.body());
    }

    private int attempts(List<String> ids) {
        return ids.stream().mapToInt(id -> bundle.attempts(id).size()).sum();
    }
}
