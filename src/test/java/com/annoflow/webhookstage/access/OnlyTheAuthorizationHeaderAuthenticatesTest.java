package com.annoflow.webhookstage.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.RawHttp;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API reads only what it documents: the key from the Authorization header and nowhere else, path parameters over
 * anything of the same name, and nothing a caller sends becomes a Camel header that steers the bundle. (platform-http
 * turns query parameters and headers into Camel message headers; ?Authorization=... used to authenticate.)
 */
class OnlyTheAuthorizationHeaderAuthenticatesTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ADMIN_IN_A_QUERY = "Authorization=" + encode("Bearer " + BundleUnderTest.ADMIN_KEY);

    private static final Receiver receiver = new Receiver();
    private static Receiver elsewhere;
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);
    private static String workerKey;

    @BeforeAll
    static void start() {
        elsewhere = new Receiver().start();
        workerKey = PayloadSchema.read(bundle.post("/api/keys", "{\"name\": \"a-worker\", \"role\": \"worker\"}").body())
                .get("key").asText();
    }

    @AfterAll
    static void stop() {
        elsewhere.close();
    }

    @Test
    void aKeyInTheQueryStringIsNotAKey() {
        assertThat(send("GET", "/api/keys?" + ADMIN_IN_A_QUERY, null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/keys?" + ADMIN_IN_A_QUERY.toLowerCase(), null, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/workflows?Authorization=" + BundleUnderTest.ADMIN_KEY, null, null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void aKeyInTheQueryStringCreatesNoKey() {
        HttpResponse<String> answer = send("POST", "/api/keys?" + ADMIN_IN_A_QUERY, null,
                "{\"name\": \"by-query\", \"role\": \"admin\"}");
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(bundle.get("/api/keys").body()).doesNotContain("by-query");
    }

    @Test
    void aKeyInTheQueryStringDoesNotLiftAWorkersRole() {
        HttpResponse<String> answer = send("POST", "/api/keys?" + ADMIN_IN_A_QUERY, workerKey,
                "{\"name\": \"by-worker\", \"role\": \"admin\"}");
        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).contains("a worker key may not manage API keys");
        assertThat(bundle.get("/api/keys").body()).doesNotContain("by-worker");
    }

    @Test
    void twoAuthorizationHeadersAreRefused() {
        RawHttp.Answer answer = RawHttp.send(bundle.apiPort(), "GET /api/keys HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + workerKey + "\r\nAuthorization: Bearer " + BundleUnderTest.ADMIN_KEY
                + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.text()).contains("Authorization: sent 2 times");
    }

    @Test
    void aPathParameterWinsOverAQueryParameterAndAHeaderOfTheSameName() {
        String asked = TestFiles.newId();
        String other = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(asked));
        bundle.post("/api/files", TestFiles.registration(other));
        HttpResponse<String> answer = sendRaw(HttpRequest.newBuilder(URI.create(
                        bundle.apiUrl("/api/files/" + asked + "?itemId=" + other)))
                .header("Authorization", "Bearer " + BundleUnderTest.ADMIN_KEY).header("itemId", other).GET());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(PayloadSchema.read(answer.body()).get("item_id").asText()).isEqualTo(asked);
    }

    @Test
    void camelHeadersAndParametersACallerSendsDoNotSteerWhereAPingGoes() {
        String evil = elsewhere.baseUrl() + "/evil";
        HttpResponse<String> answer = sendRaw(HttpRequest.newBuilder(URI.create(bundle.apiUrl(
                        "/api/workflows/flow/stages/send/ping?CamelHttpUri=" + encode(evil) + "&CamelHttpMethod=GET"
                        + "&CamelHttpPath=/evil&CamelRedeliveryDelay=60000")))
                .header("Authorization", "Bearer " + BundleUnderTest.ADMIN_KEY)
                .header("CamelHttpUri", evil).header("CamelHttpMethod", "GET").header("CamelHttpPath", "/evil")
                .header("CamelRedeliveryDelay", "60000").header("CamelHttpQuery", "x=1")
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(PayloadSchema.read(answer.body()).get("outcome").asText()).isEqualTo("DELIVERED");
        assertThat(elsewhere.wiremock().getAllServeEvents()).isEmpty();
        LoggedRequest ping = receiver.wiremock().getAllServeEvents().stream().map(e -> e.getRequest())
                .filter(r -> r.getBodyAsString().contains("\"name\":\"ping\"")).findFirst().orElseThrow();
        assertThat(ping.getMethod().getName()).isEqualTo("POST");
        assertThat(ping.getUrl()).isEqualTo("/send");
        assertThat(ping.getHeaders().keys()).noneMatch(name -> name.toLowerCase().startsWith("camel"));
    }

    @Test
    void camelHeadersACallerSendsDoNotSteerTheAnswer() {
        HttpResponse<String> answer = sendRaw(HttpRequest.newBuilder(URI.create(bundle.apiUrl(
                        "/api/workflows?CamelHttpResponseCode=200&Content-Type=text/html")))
                .header("CamelHttpResponseCode", "200").header("Camel-Http-Response-Code", "200").GET());
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    private static HttpResponse<String> send(String method, String path, String key, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(bundle.apiUrl(path)))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return sendRaw(request);
    }

    private static HttpResponse<String> sendRaw(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
