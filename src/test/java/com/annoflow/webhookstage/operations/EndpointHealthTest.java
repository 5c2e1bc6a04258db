package com.annoflow.webhookstage.operations;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stage whose endpoint keeps failing pauses instead of burning every file's retries, probes the endpoint, and
 * resumes by itself; operators can pause and resume it by hand. Files wait, assigned, and lose nothing.
 */
class EndpointHealthTest {

    private static final int BUDGET = 6; // retries 5 + the first attempt

    private final Receiver receiver = new Receiver();
    // a bundle and a receiver of its own for each test
    @RegisterExtension
    final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.circuit.enabled", "true")
            .with("webhook.circuit.window", "30s")
            .with("webhook.circuit.minimum-attempts", "4")
            .with("webhook.circuit.failure-rate", "50")
            .with("webhook.circuit.probe-interval", "1s");

    @Test
    void aFailingEndpointPausesItsStageTheFilesWaitAndAllAreDeliveredOnceItRecovers() {
        StubMapping down = receiver.wiremock().stubFor(post(urlPathEqualTo("/send")).willReturn(aResponse().withStatus(503)));
        List<String> ids = new ArrayList<>();
        try (CapturedLogs logs = new CapturedLogs()) {
            for (int i = 0; i < 12; i++) {
                String id = TestFiles.newId();
                bundle.post("/api/files", TestFiles.registration(id));
                ids.add(id);
            }
            bundle.post("/api/assignments", TestFiles.assignment("flow", "send", ids.toArray(String[]::new)));

            await().atMost(Duration.ofSeconds(20)).until(() -> !"SENDING".equals(health().get("state")));
            assertThat(health().get("state")).isIn("PAUSED_BY_FAILURES", "PROBING");
            assertThat(bundle.metric("webhook_stage_paused", "stage=\"send\",workflow=\"flow\"")).isEqualTo(1.0);
            assertThat(bundle.metric("webhook_stage_pauses_total", "stage=\"send\",workflow=\"flow\"")).isEqualTo(1.0);
            await().atMost(Duration.ofSeconds(10)).until(() -> logs.lines().stream()
                    .anyMatch(l -> l.contains("stage flow/send paused") && l.contains("probed every 1s")));

            // paused: every file waits in the stage (for its first attempt or a retry), none sent on to the failure
            // stage, the probes keep knocking
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ids.stream().map(bundle::stageOf).toList())
                    .allMatch(stage -> List.of("flow/send QUEUED", "flow/send WAITING").contains(stage)));
            int probesSeen = pings();
            await().atMost(Duration.ofSeconds(10)).until(() -> pings() > probesSeen);
            assertThat(ids).allMatch(this::waitsInTheStage);

            receiver.wiremock().removeStub(down);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ids.stream().allMatch(id -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id))));
            assertThat(health().get("state")).isEqualTo("SENDING");
            assertThat(bundle.metric("webhook_stage_paused", "stage=\"send\",workflow=\"flow\"")).isEqualTo(0.0);
            assertThat(logs.lines()).anyMatch(l -> l.contains("stage flow/send resumed sending"));
        }
        for (String id : ids) {
            List<Map<String, Object>> attempts = bundle.attempts(id);
            assertThat(attempts).as("attempts of %s", id).hasSizeBetween(1, BUDGET);
            assertThat(attempts.get(attempts.size() - 1).get("OUTCOME")).isEqualTo("DELIVERED");
            // 1, 2, 3 ... without a gap: a file sent back to the queue by the pause got back the attempt it had not made
            assertThat(attempts).extracting(a -> ((Number) a.get("ATTEMPT")).intValue()).as("attempt numbers of %s", id)
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, attempts.size()).boxed().toList());
        }
    }

    private boolean waitsInTheStage(String id) {
        return List.of("flow/send QUEUED", "flow/send WAITING").contains(bundle.stageOf(id));
    }

    @Test
    void anOperatorCanPauseAStageOnEveryInstanceAndResumeIt() {
        HttpResponse<String> paused = bundle.post("/api/workflows/flow/stages/send/pause",
                "{\"reason\": \"receiver maintenance\"}");
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        assertThat(paused.body()).contains("\"state\":\"PAUSED_BY_OPERATOR\"").contains("receiver maintenance");
        // stored, so every instance (and the next start) honours it
        assertThat(bundle.jdbc().queryForObject("SELECT COUNT(*) FROM stage_pause", Integer.class)).isEqualTo(1);

        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> "flow/send QUEUED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id)).isEmpty();
        assertThat(bundle.metric("webhook_stage_paused", "stage=\"send\",workflow=\"flow\"")).isEqualTo(1.0);

        HttpResponse<String> resumed = bundle.post("/api/workflows/flow/stages/send/resume", "");
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        assertThat(resumed.body()).contains("\"state\":\"SENDING\"");
        await().atMost(Duration.ofSeconds(20)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
    }

    @Test
    void pausingNeedsARoleThatMayAndANameThatExists() {
        HttpResponse<String> key = bundle.post("/api/keys", "{\"name\": \"w1\", \"role\": \"worker\"}");
        String workerKey = PayloadSchema.read(key.body()).get("key").asText();
        assertThat(bundle.post("/api/workflows/flow/stages/send/pause", "", workerKey).statusCode()).isEqualTo(403);
        assertThat(bundle.post("/api/workflows/flow/stages/nope/pause", "").body()).contains("has no stage 'nope'");
        assertThat(bundle.post("/api/workflows/flow/stages/send/pause", "{\"reason\": 5}").body())
                .contains("reason: must be text");
    }

    private Map<String, Object> health() {
        HttpResponse<String> answer = bundle.get("/api/workflows/flow/stages/send/health");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return new ObjectMapper().convertValue(PayloadSchema.read(answer.body()), new TypeReference<Map<String, Object>>() { });
    }

    private int pings() {
        return (int) receiver.wiremock().findAll(postRequestedFor(urlPathEqualTo("/send"))).stream()
                .filter(r -> r.getBodyAsString().contains("\"item_id\":\"00000000-0000-0000-0000-000000000000\"")
                             || r.getHeader("webhook-id").startsWith("msg_ping_"))
                .count();
    }
}
