package com.annoflow.webhookstage.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stage's url may be a Camel endpoint whose scheme the operator allows ({@code webhook.targets.allow}): here
 * {@code direct:} routes from a test routes directory. It gets the same payload and headers (as message headers), attempt
 * log, retries and routing as an HTTP target; an exception from it is a failed attempt with its message as the reason.
 */
class EndpointTargetsTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.workflow-file", "src/test/resources/workflows/targets.yaml")
            .withRoutesFrom("src/test/resources/target-routes")
            .with("webhook.targets.allow", "direct");
    private static final String FLAKY = TestFiles.newId();
    private static final String DOWN = TestFiles.newId();

    @BeforeAll
    static void deliverToCamelEndpoints() {
        // what the relay route sends on: fails twice, then takes it
        receiver.wiremock().stubFor(post(urlPathEqualTo("/relay")).inScenario("relay").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("failed once"));
        receiver.wiremock().stubFor(post(urlPathEqualTo("/relay")).inScenario("relay").whenScenarioStateIs("failed once")
                .willReturn(aResponse().withStatus(500)).willSetStateTo("failed twice"));
        receiver.wiremock().stubFor(post(urlPathEqualTo("/relay")).inScenario("relay").whenScenarioStateIs("failed twice")
                .willReturn(aResponse().withStatus(200)).willSetStateTo("up"));
        receiver.wiremock().stubFor(post(urlPathEqualTo("/relay")).inScenario("relay").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200)));
        bundle.post("/api/files", TestFiles.registration(FLAKY));
        bundle.post("/api/files", TestFiles.registration(DOWN));
        bundle.post("/api/assignments", TestFiles.assignment("targets", "relay", FLAKY));
        bundle.post("/api/assignments", TestFiles.assignment("down", "hook", DOWN));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(bundle.stageOf(FLAKY)).isEqualTo("targets/complete ASSIGNED");
            assertThat(bundle.stageOf(DOWN)).isEqualTo("down/failed ASSIGNED");
        });
    }

    @Test
    void aDirectTargetThatFailsTwiceThenSucceedsIsDeliveredOnTheThirdAttempt() {
        List<Map<String, Object>> attempts = bundle.attempts(FLAKY);
        assertThat(attempts).extracting(a -> a.get("outcome")).containsExactly("FAILED", "FAILED", "DELIVERED");
        assertThat((String) attempts.get(0).get("error")).startsWith("direct:*** failed: HttpOperationFailedException")
                .contains("500");
        assertThat(attempts).extracting(a -> a.get("url")).containsOnly("direct:***");
    }

    @Test
    void aDirectTargetGetsThePayloadAndTheHeadersAsMessageHeaders() {
        List<LoggedRequest> relayed = receiver.requestsFor(FLAKY);
        assertThat(relayed).hasSize(3);
        LoggedRequest last = relayed.get(2);
        assertThat(PayloadSchema.problems(last.getBodyAsString())).isEmpty();
        assertThat(last.getHeader("X-Team")).isEqualTo("acme");
        assertThat(last.getHeader("webhook-id")).startsWith("msg_")
                .isEqualTo(relayed.get(0).getHeader("webhook-id"));
    }

    @Test
    void aDirectTargetThatAlwaysFailsSpendsTheBudgetThenGoesToOnFailure() {
        List<Map<String, Object>> attempts = bundle.attempts(DOWN);
        assertThat(attempts).hasSize(3).allSatisfy(a -> assertThat((String) a.get("error"))
                .isEqualTo("direct:*** failed: IllegalStateException: the target route is down on purpose"));
        assertThat(bundle.jdbc().queryForObject("SELECT detail FROM stage_transition WHERE item_id = ? AND reason = 'FAILED'",
                String.class, DOWN)).contains("the target route is down on purpose");
    }

    @Test
    void aPingReachesADirectTargetMarkedAsATest() {
        var answer = PayloadSchema.read(bundle.post("/api/workflows/targets/stages/relay/ping", "").body());
        assertThat(answer.get("outcome").asText()).isEqualTo("DELIVERED");
        assertThat(receiver.wiremock().findAll(postRequestedFor(urlPathEqualTo("/relay")))).anySatisfy(r -> {
            assertThat(r.getHeader("webhook-test")).isEqualTo("true");
            assertThat(r.getBodyAsString()).contains("\"name\":\"ping\"");
        });
        assertThat(bundle.get("/api/workflows").body()).contains("\"url\":\"direct:relay\"");
    }

    @Test
    void aDirectTargetThatNoRouteConsumesStopsStartUpNamingIt(@TempDir Path dir) throws IOException {
        Path workflow = Files.writeString(dir.resolve("workflow.yaml"), """
                workflows:
                  - name: w
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "direct:nobody-listens", on_failure: next }
                      - { name: complete, type: complete }
                """);
        try (BundleUnderTest other = new BundleUnderTest(workflow.toString()).with("webhook.targets.allow", "direct")) {
            assertThatThrownBy(other::start).hasStackTraceContaining("workflow 'w', stage 'hook': field 'url' = 'direct:***':"
                                                                     + " no route starts from it");
        }
    }
}
