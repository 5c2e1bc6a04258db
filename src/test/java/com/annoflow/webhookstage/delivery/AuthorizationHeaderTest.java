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
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Authorization header reaches the receiver of the stage that configures it, no other, and never the logs (at
 * DEBUG, on success and on failure) nor the API.
 */
class AuthorizationHeaderTest {

    private static final String SECRET = "Bearer sk-live-7f3a9c1e5b2d4f60";

    private static Receiver receiver;
    private static BundleUnderTest bundle;
    private static CapturedLogs logs;
    private static String delivered;
    private static String rejected;
    private static String unauthenticated;

    @BeforeAll
    static void deliverWithAndWithoutAuthorization() {
        logs = new CapturedLogs();
        receiver = new Receiver().start();
        bundle = BundleUnderTest.forDeliveryTests(receiver)
                .with("test.authorization", SECRET)
                .start();
        delivered = TestFiles.newId();
        rejected = TestFiles.newId();
        unauthenticated = TestFiles.newId();
        receiver.wiremock().stubFor(post(urlPathEqualTo("/auth"))
                .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(rejected)))
                .willReturn(aResponse().withStatus(401).withBody("{\"message\": \"Unauthorized\"}")));
        for (String id : new String[] { delivered, rejected, unauthenticated }) {
            bundle.post("/api/files", TestFiles.registration(id));
        }
        bundle.post("/api/assignments", TestFiles.assignment("auth", "hook", delivered, rejected));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", unauthenticated));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(bundle.stageOf(delivered)).isEqualTo("auth/complete ASSIGNED");
            assertThat(bundle.stageOf(rejected)).isEqualTo("auth/failed ASSIGNED");
            assertThat(bundle.stageOf(unauthenticated)).isEqualTo("flow/annotate ASSIGNED");
        });
    }

    @AfterAll
    static void stop() {
        bundle.close();
        receiver.close();
        logs.close();
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
    void theAuthorizationValueAppearsInNoLogLineEvenAtDebug() {
        assertThat(logs.lines()).hasSizeGreaterThan(100)
                .anySatisfy(line -> assertThat(line).contains("HTTP 401"))
                .noneSatisfy(line -> assertThat(line).contains("sk-live-7f3a9c1e5b2d4f60"));
    }

    @Test
    void theApiShowsOnlyThatAnAuthorizationIsConfigured() {
        String workflows = bundle.get("/api/workflows").body();
        assertThat(workflows).contains("\"authorization\":\"configured\"").doesNotContain("sk-live");
        assertThat(bundle.get("/api/files/" + rejected + "/deliveries").body()).contains("401").doesNotContain("sk-live");
        assertThat(bundle.get("/api/files/" + rejected).body()).doesNotContain("sk-live");
    }
}
