package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.MovableClock;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stage with {@code oauth2} (workflows/oauth2.yaml) sends a bearer token from its token endpoint, a real HTTP server
 * on 127.0.0.1: one fetch serves many deliveries, a receiver's 401 gets one new token and one more request within the
 * same attempt, a token endpoint that refuses the client fails the attempt with its reason, and neither the client
 * secret nor a token appears in any log line (at DEBUG) or API answer.
 */
class OAuth2ClientCredentialsTest {

    private static final String CLIENT_SECRET = "cs-9f8e7d6c5b4a3210";
    private static final String TOKEN = "tok-A1b2C3d4e5F6g7H8";
    private static final String OLD_TOKEN = "tok-old-0a1b2c3d4e";
    private static final String NEW_TOKEN = "tok-new-5f6a7b8c9d";
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString(("annoflow-test:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));

    @RegisterExtension
    @Order(1)
    static final CapturedLogs logs = CapturedLogs.whileTheClassRuns();
    /** The token endpoints and the receivers. */
    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    @Order(2)
    static final BundleUnderTest bundle = bundle();

    @BeforeEach
    void stubTheTokenEndpointsAndTheReceivers() {
        receiver.reset();
        var server = receiver.wiremock();
        // the token endpoint: a token for the right client (HTTP Basic, the grant and the scope), invalid_client else
        server.stubFor(post(urlPathEqualTo("/oauth/token")).atPriority(1)
                .withHeader("Authorization", equalTo(BASIC))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withRequestBody(containing("grant_type=client_credentials"))
                .withRequestBody(containing("scope=webhooks%3Awrite"))
                .willReturn(token(TOKEN, 3600)));
        server.stubFor(post(urlPathEqualTo("/oauth/token")).atPriority(50).willReturn(invalidClient()));
        server.stubFor(post(urlPathEqualTo("/oauth/refusing-token")).atPriority(1).willReturn(invalidClient()));
        // a token endpoint whose token changes after the first fetch (client_secret_post this time)
        server.stubFor(post(urlPathEqualTo("/oauth/rotating-token")).atPriority(1).inScenario("rotation")
                .whenScenarioStateIs(STARTED).willSetStateTo("rotated")
                .withRequestBody(containing("client_id=annoflow-test"))
                .withRequestBody(containing("client_secret=" + CLIENT_SECRET))
                .willReturn(token(OLD_TOKEN, 3600)));
        server.stubFor(post(urlPathEqualTo("/oauth/rotating-token")).atPriority(1).inScenario("rotation")
                .whenScenarioStateIs("rotated")
                .withRequestBody(containing("client_secret=" + CLIENT_SECRET))
                .willReturn(token(NEW_TOKEN, 3600)));
        // receivers: 200 for the token they expect, 401 else; one refuses everything and echoes what it got
        server.stubFor(post(urlPathEqualTo("/oauth/hook")).atPriority(1).withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(aResponse().withStatus(200)));
        server.stubFor(post(urlPathEqualTo("/oauth/rotated")).atPriority(1)
                .withHeader("Authorization", equalTo("Bearer " + NEW_TOKEN)).willReturn(aResponse().withStatus(200)));
        for (String path : List.of("/oauth/hook", "/oauth/rotated", "/oauth/refusing", "/oauth/short-lived")) {
            server.stubFor(post(urlPathEqualTo(path)).atPriority(50).willReturn(aResponse().withStatus(401)
                    .withBody("{\"error\": \"invalid_token\", \"you sent\": \"{{request.headers.Authorization}}\"}")
                    .withTransformers("response-template")));
        }
    }

    @Test
    void manyDeliveriesShareOneTokenFetch() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(TestFiles.newId());
        }
        ids.forEach(id -> bundle.post("/api/files", TestFiles.registration(id)));
        bundle.post("/api/assignments", TestFiles.assignment("oauth", "many", ids.toArray(String[]::new)));

        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream()
                .allMatch(id -> "oauth/complete ASSIGNED".equals(bundle.stageOf(id))));
        receiver.wiremock().verify(1, postRequestedFor(urlPathEqualTo("/oauth/token")));
        for (String id : ids) {
            assertThat(receiver.requestsFor(id)).singleElement()
                    .satisfies(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN));
            assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a.get("OUTCOME")).isEqualTo("DELIVERED"));
        }
    }

    @Test
    void aReceiverThatRefusesTheTokenGetsTheRequestOnceMoreWithANewToken() {
        String id = deliver("rotated");

        await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/complete ASSIGNED".equals(bundle.stageOf(id)));
        List<LoggedRequest> sent = receiver.requestsFor(id);
        assertThat(sent).extracting(r -> r.getHeader("Authorization"))
                .containsExactly("Bearer " + OLD_TOKEN, "Bearer " + NEW_TOKEN);
        // the same request both times: same delivery id, same bytes
        assertThat(sent.get(1).getBodyAsString()).isEqualTo(sent.get(0).getBodyAsString());
        assertThat(sent.get(1).getHeader("webhook-id")).isEqualTo(sent.get(0).getHeader("webhook-id"));
        receiver.wiremock().verify(2, postRequestedFor(urlPathEqualTo("/oauth/rotating-token")));
        // one attempt of the budget (retries: 0), delivered
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a.get("OUTCOME")).isEqualTo("DELIVERED"));
    }

    @Test
    void aReceiverThatRefusesEveryTokenGetsOneNewTokenPerAttemptNotALoop() {
        String id = deliver("refusing");

        await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/failed ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id)).hasSize(2);
        receiver.wiremock().verify(2, postRequestedFor(urlPathEqualTo("/oauth/token")));
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> {
            assertThat(a.get("OUTCOME")).isEqualTo("REJECTED");
            assertThat(a.get("HTTP_STATUS")).isEqualTo(401);
            // the receiver echoed the token: the excerpt keeps the answer, not the token
            assertThat((String) a.get("RESPONSE_EXCERPT")).contains("invalid_token").contains(Redaction.MASK)
                    .doesNotContain(TOKEN);
        });
    }

    @Test
    void aTokenEndpointThatRefusesTheClientFailsEachAttemptWithItsReasonAndNothingIsSent() {
        String id = deliver("wrong-secret");

        await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/failed ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id)).isEmpty();
        // retries: 1, so two attempts, each asked the token endpoint once
        assertThat(bundle.attempts(id)).hasSize(2).allSatisfy(a -> {
            assertThat(a.get("OUTCOME")).isEqualTo("FAILED");
            assertThat((String) a.get("ERROR")).contains("OAuth2 token endpoint http://127.0.0.1:")
                    .contains("answered HTTP 401 (error: invalid_client, Client authentication failed)")
                    .contains("check the stage's oauth2 client_id, client_secret and scope");
        });
        receiver.wiremock().verify(2, postRequestedFor(urlPathEqualTo("/oauth/refusing-token")));
    }

    @Test
    void aTokenEndpointTheSsrfGuardBlocksIsNeverAskedAndTheVisitEndsAtOnce() {
        String id = deliver("metadata");

        await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/failed ASSIGNED".equals(bundle.stageOf(id)));
        // blocked is not retried, whatever the budget (retries: 3)
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> {
            assertThat(a.get("OUTCOME")).isEqualTo("BLOCKED");
            assertThat((String) a.get("ERROR")).contains("OAuth2 token endpoint http://169.254.169.254/***")
                    .contains("blocked");
        });
        assertThat(receiver.requestsFor(id)).isEmpty();
    }

    @Test
    void aPingAndThePreviewUseTheStagesTokenAndShowNoneOfIt() {
        JsonNode ping = PayloadSchema.read(bundle.post("/api/workflows/oauth/stages/hook/ping", "{}").body());
        assertThat(ping.get("outcome").asText()).as(ping.toString()).isEqualTo("DELIVERED");
        assertThat(receiver.wiremock().findAll(postRequestedFor(urlPathEqualTo("/oauth/hook"))))
                .singleElement().satisfies(r -> {
                    assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
                    assertThat(r.getHeader("webhook-test")).isEqualTo("true");
                });

        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        String preview = bundle.get("/api/workflows/oauth/stages/hook/preview?file_id=" + id).body();
        assertThat(PayloadSchema.read(preview).at("/headers/Authorization").asText()).isEqualTo("****");
        assertThat(preview).doesNotContain(TOKEN).doesNotContain(CLIENT_SECRET);

        String workflows = bundle.get("/api/workflows").body();
        JsonNode hook = PayloadSchema.read(workflows).at("/workflows/0/stages/1");
        assertThat(hook.get("name").asText()).isEqualTo("hook");
        assertThat(hook.get("authorization").asText()).isEqualTo("oauth2");
        assertThat(hook.at("/oauth2/client_id").asText()).isEqualTo("annoflow-test");
        assertThat(hook.at("/oauth2/scope").asText()).isEqualTo("webhooks:write");
        assertThat(hook.at("/oauth2/client_secret").asText()).isEqualTo("****");
        assertThat(workflows).doesNotContain(CLIENT_SECRET).doesNotContain(TOKEN);
    }

    @Test
    void aTokenIsRenewedAMinuteBeforeItExpiresAndNotBefore() {
        MovableClock clock = new MovableClock();
        try (Receiver own = new Receiver().start();
                BundleUnderTest timed = bundle().with("test.receiver", own.baseUrl()).withClock(clock).start()) {
            own.wiremock().stubFor(post(urlPathEqualTo("/oauth/short-token")).inScenario("short")
                    .whenScenarioStateIs(STARTED).willSetStateTo("second").willReturn(token("tok-short-1st", 120)));
            own.wiremock().stubFor(post(urlPathEqualTo("/oauth/short-token")).inScenario("short")
                    .whenScenarioStateIs("second").willReturn(token("tok-short-2nd", 120)));

            String first = deliverVia(timed, "short-lived");
            await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/complete ASSIGNED".equals(timed.stageOf(first)));
            clock.advance(Duration.ofSeconds(59));
            String second = deliverVia(timed, "short-lived");
            await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/complete ASSIGNED".equals(timed.stageOf(second)));
            clock.advance(Duration.ofSeconds(2)); // 61 s: within a minute of the token's end
            String third = deliverVia(timed, "short-lived");
            await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/complete ASSIGNED".equals(timed.stageOf(third)));

            assertThat(List.of(first, second, third)).extracting(id -> own.requestsFor(id).get(0).getHeader("Authorization"))
                    .containsExactly("Bearer tok-short-1st", "Bearer tok-short-1st", "Bearer tok-short-2nd");
            own.wiremock().verify(2, postRequestedFor(urlPathEqualTo("/oauth/short-token")));
        }
    }

    @Test
    void neitherTheClientSecretNorATokenIsInAnyLogLine() {
        // the other tests of this class ran or run on the same bundle: make sure some tokens were fetched first
        String id = deliver("hook");
        await().atMost(Duration.ofSeconds(30)).until(() -> "oauth/complete ASSIGNED".equals(bundle.stageOf(id)));

        List<String> lines = logs.lines();
        assertThat(lines).anyMatch(line -> line.contains("got an OAuth2 token from"));
        String basicValue = BASIC.substring("Basic ".length());
        for (String secret : List.of(CLIENT_SECRET, TOKEN, OLD_TOKEN, NEW_TOKEN, basicValue, "tok-short-1st")) {
            assertThat(lines).as(secret).noneMatch(line -> line.contains(secret));
        }
    }

    private static BundleUnderTest bundle() {
        return new BundleUnderTest("src/test/resources/workflows/oauth2.yaml")
                .withReceiver(receiver)
                .with("test.oauth-secret", CLIENT_SECRET);
    }

    private static String deliver(String stage) {
        return deliverVia(bundle, stage);
    }

    private static String deliverVia(BundleUnderTest target, String stage) {
        String id = TestFiles.newId();
        target.post("/api/files", TestFiles.registration(id));
        target.post("/api/assignments", TestFiles.assignment("oauth", stage, id));
        return id;
    }

    private static ResponseDefinitionBuilder token(String token, int expiresIn) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\": \"" + token + "\", \"token_type\": \"Bearer\", \"expires_in\": " + expiresIn + "}");
    }

    private static ResponseDefinitionBuilder invalidClient() {
        return aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"error\": \"invalid_client\", \"error_description\": \"Client authentication failed\"}");
    }
}
