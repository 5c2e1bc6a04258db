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
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Authorization header reaches the receiver of the stage that configures it, no other. No secret (Authorization
 * value, signing secret, API key, database password, a token in a target URL's path or query) ever reaches the logs
 * (at DEBUG, on success and on failure) or an API response, even when a receiver echoes the request back.
 */
class AuthorizationHeaderTest {

    private static final String SECRET = "Bearer sk-live-7f3a9c1e5b2d4f60";
    private static final String DB_PASSWORD = "pw-3e8d1c0a9b7f";
    /** The auth stage's URL carries these, as a Zapier Catch Hook URL carries its credential (workflows/delivery.yaml). */
    private static final String PATH_TOKEN = "tok-path-5e6f7a8b";
    private static final String QUERY_TOKEN = "tok-query-9c0d1e2f";
    private static final String AUTH_PATH = "/auth/" + PATH_TOKEN;

    @RegisterExtension
    @Order(1)
    static final CapturedLogs logs = CapturedLogs.whileTheClassRuns();
    private static final Receiver receiver = new Receiver();
    // HSQLDB takes the password of the first connection to a new database; PostgreSQL (trust) ignores it
    @RegisterExtension
    @Order(2)
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).withDatabase(() -> {
        TestDatabase fresh = TestDatabase.fresh();
        return new TestDatabase(fresh.url(), fresh.user(), DB_PASSWORD);
    }).with("test.authorization", SECRET);
    private static String delivered;
    private static String rejected;
    private static String unauthenticated;
    private static String signed;
    private static String echoed;
    private static String workerKey;

    @BeforeAll
    static void deliverWithAndWithoutAuthorization() {
        delivered = TestFiles.newId();
        rejected = TestFiles.newId();
        unauthenticated = TestFiles.newId();
        echoed = TestFiles.newId();
        receiver.wiremock().stubFor(post(urlPathEqualTo(AUTH_PATH))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(rejected)))
                .willReturn(aResponse().withStatus(401).withBody("{\"message\": \"Unauthorized\"}")));
        // a receiver that echoes what it got: the Authorization header, the URL with its tokens, on 200 and on 500
        String echo = "{\"you sent\": {\"authorization\": \"{{request.headers.Authorization}}\", \"url\": \"{{request.url}}\","
                      + " \"again\": \"{{request.headers.Authorization}}\"}}";
        receiver.wiremock().stubFor(post(urlPathEqualTo(AUTH_PATH))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(echoed)))
                .willReturn(aResponse().withStatus(200).withBody(echo).withTransformers("response-template")));
        for (String id : new String[] { delivered, rejected, unauthenticated, echoed }) {
            bundle.post("/api/files", TestFiles.registration(id));
        }
        workerKey = PayloadSchema.read(bundle.post("/api/keys",
                "{\"name\": \"auth-worker\", \"role\": \"worker\"}").body()).get("key").asText();
        bundle.post("/api/assignments", TestFiles.assignment("auth", "hook", delivered, rejected, echoed));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", unauthenticated));
        signed = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(signed));
        bundle.post("/api/assignments", TestFiles.assignment("signed", "rotating", signed));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(bundle.stageOf(delivered)).isEqualTo("auth/complete ASSIGNED");
            assertThat(bundle.stageOf(rejected)).isEqualTo("auth/failed ASSIGNED");
            assertThat(bundle.stageOf(unauthenticated)).isEqualTo("flow/annotate ASSIGNED");
            assertThat(bundle.stageOf(signed)).isEqualTo("signed/complete ASSIGNED");
            assertThat(bundle.stageOf(echoed)).isEqualTo("auth/complete ASSIGNED");
        });
        // the echo really came back with the secrets in it, before the bundle stored an excerpt of it
        assertThat(receiver.requestsFor(echoed)).singleElement()
                .satisfies(r -> assertThat(r.getUrl()).contains(PATH_TOKEN).contains(QUERY_TOKEN));
    }

    @Test
    void theConfiguredAuthorizationIsSentToTheStageThatHasIt() {
        assertThat(receiver.requestsFor(delivered)).singleElement()
                .satisfies(r -> assertThat(r.getHeader("Authorization")).isEqualTo(SECRET));
        assertThat(receiver.requestsFor(rejected)).singleElement()
                .satisfies(r -> assertThat(r.getHeader("Authorization")).isEqualTo(SECRET));
    }

    @Test
    void noAuthorizationIsSentByAStageWithoutOne() {
        assertThat(receiver.requestsFor(unauthenticated)).singleElement()
                .satisfies(r -> assertThat(r.containsHeader("Authorization")).isFalse());
    }

    @Test
    void noSecretAppearsInAnyLogLineEvenAtDebug() {
        assertThat(logs.lines()).hasSizeGreaterThan(100)
                .anySatisfy(line -> assertThat(line).contains("HTTP 401"))
                .allSatisfy(line -> assertThat(line).doesNotContain("sk-live-7f3a9c1e5b2d4f60")
                        .doesNotContain(secretPart(BundleUnderTest.SIGNING_SECRET))
                        .doesNotContain(secretPart(BundleUnderTest.NEXT_SIGNING_SECRET))
                        .doesNotContain(BundleUnderTest.ADMIN_KEY).doesNotContain(DB_PASSWORD)
                        .doesNotContain(PATH_TOKEN).doesNotContain(QUERY_TOKEN));
    }

    @Test
    void aReceiverThatEchoesTheRequestGetsNoSecretStoredOrShown() {
        String deliveries = bundle.get("/api/files/" + echoed + "/deliveries").body();
        assertThat(deliveries).contains("you sent").contains("[redacted]")
                .doesNotContain("sk-live-7f3a9c1e5b2d4f60").doesNotContain(PATH_TOKEN).doesNotContain(QUERY_TOKEN);
        assertThat(bundle.jdbc().queryForList("SELECT response_excerpt FROM delivery_attempt WHERE item_id = ?", String.class,
                echoed)).singleElement().satisfies(excerpt -> assertThat(excerpt).contains("[redacted]")
                .doesNotContain("sk-live").doesNotContain(PATH_TOKEN).doesNotContain(QUERY_TOKEN));
    }

    @Test
    void aTargetsPathAndQueryAreShownMaskedToEveryoneButAnAdmin() {
        String port = String.valueOf(receiver.wiremock().port());
        assertThat(bundle.get("/api/workflows", workerKey).body()).contains("http://127.0.0.1:" + port + "/***")
                .doesNotContain(PATH_TOKEN).doesNotContain(QUERY_TOKEN);
        assertThat(bundle.get("/api/workflows").body()).contains(AUTH_PATH + "?token=" + QUERY_TOKEN);
        assertThat(bundle.get("/api/files/" + delivered + "/deliveries").body())
                .contains("\"url\":\"http://127.0.0.1:" + port + "/***\"").doesNotContain(PATH_TOKEN);
        assertThat(bundle.get("/api/workflows/auth/stages/hook/deliveries", workerKey).body()).doesNotContain(PATH_TOKEN);
    }

    /** A secret without its well-known whsec_ prefix. */
    private static String secretPart(String secret) {
        return secret.substring("whsec_".length());
    }

    @Test
    void theApiShowsOnlyThatAnAuthorizationIsConfigured() {
        String workflows = bundle.get("/api/workflows").body();
        assertThat(workflows).contains("\"authorization\":\"configured\"").doesNotContain("sk-live")
                .contains("\"signing\":\"2 secret(s)\"").doesNotContain(secretPart(BundleUnderTest.SIGNING_SECRET));
        assertThat(bundle.get("/api/keys").body()).doesNotContain(BundleUnderTest.ADMIN_KEY);
        assertThat(bundle.get("/api/files/" + rejected + "/deliveries").body()).contains("401").doesNotContain("sk-live")
                .doesNotContain(PATH_TOKEN);
        assertThat(bundle.get("/api/files/" + rejected).body()).doesNotContain("sk-live");
    }
}
