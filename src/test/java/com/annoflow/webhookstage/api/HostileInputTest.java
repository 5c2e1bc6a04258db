package com.annoflow.webhookstage.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.annoflow.webhookstage.api.HostileRequests.Hostile;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.RawHttp;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * 1,000 seeded malformed and hostile requests (HostileRequests) against the real API with its default caps: none is
 * answered 5xx, none goes unanswered for 10 s, none that is refused changes anything in the database, and the bundle
 * is still ready and delivering afterwards. The seed is printed and can be set with -Dhostile.seed.
 */
class HostileInputTest {

    private static final long SEED = Long.getLong("hostile.seed", 20261201L);
    private static final int REQUESTS = 1000;
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final List<String> TABLES = List.of("file", "file_slot", "slot_source_file", "annotation", "assignment",
            "stage_transition", "delivery_attempt", "api_key", "stage_pause", "stage_passed");

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static final Receiver receiver = new Receiver();
    // a short read deadline, so the requests whose body never arrives each cost one second, not five
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.api.read-timeout", "1s");
    private static SingleConnectionDataSource connection;
    private static JdbcTemplate database;
    private static HostileRequests.Keys keys;
    private static List<String> files;

    @BeforeAll
    static void start() {
        files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", id));
            files.add(id);
        }
        String worker = key("hostile-worker", "worker");
        String revoked = key("hostile-revoked", "admin");
        assertThat(revoke("/api/keys/hostile-revoked")).isEqualTo(200);
        keys = new HostileRequests.Keys(BundleUnderTest.ADMIN_KEY, worker, revoked);
        var test = bundle.database();
        connection = new SingleConnectionDataSource(test.url(), test.user(), test.password(), true);
        database = new JdbcTemplate(connection);
    }

    @AfterAll
    static void stop() {
        connection.destroy();
    }

    @Test
    void noHostileRequestIsAnswered5xxOrLeftUnansweredOrChangesStateWhenRefused() {
        List<Hostile> requests = new HostileRequests(SEED, keys, files).generate(REQUESTS);
        assertThat(requests).hasSizeGreaterThanOrEqualTo(1000);
        List<String> failures = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        Map<String, Integer> families = new TreeMap<>();
        String state = state();
        long slowest = 0;
        long digestNanos = 0;
        for (int i = 0; i < requests.size(); i++) {
            Hostile request = requests.get(i);
            families.merge(request.what().replaceAll(" \\(.*", ""), 1, Integer::sum);
            long started = System.nanoTime();
            int status = send(request);
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            slowest = Math.max(slowest, millis);
            statuses.merge(status, 1, Integer::sum);
            long digestStarted = System.nanoTime();
            String after = state();
            digestNanos += System.nanoTime() - digestStarted;
            String label = "#" + i + " " + request.what() + " " + request.method() + " " + shorten(request.path());
            if (status >= 500) {
                failures.add(label + ": answered " + status);
            } else if (status == -1) {
                failures.add(label + ": no answer within " + PATIENCE.toSeconds() + " s");
            } else if (status >= 200 && status < 300 && !request.maySucceed()) {
                failures.add(label + ": accepted (" + status + ") although it must be refused");
            } else if ((status < 200 || status >= 300) && !after.equals(state)) {
                failures.add(label + ": refused (" + status + ") but the database changed");
            }
            state = after;
        }
        System.out.printf("HOSTILE: seed %d, %d requests, answers %s, slowest %d ms, %d ms reading the database, families %s%n",
                SEED, requests.size(), statuses, slowest, digestNanos / 1_000_000, families);
        assertThat(failures).as("seed %d", SEED).isEmpty();

        // still ready, still delivering
        HttpResponse<String> ready = get(bundle.managementUrl("/observe/health/ready"));
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        bundle.post("/api/workflows/flow/stages/send/resume", "{}");
        String id = TestFiles.newId();
        assertThat(bundle.post("/api/files", TestFiles.registration(id)).statusCode()).isEqualTo(201);
        assertThat(bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id)).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id)).hasSize(1);
    }

    /** The status of the answer; 0 when the server closed the connection without one, -1 when it did not answer in time. */
    private static int send(Hostile request) {
        if (request.raw() != null) {
            RawHttp.Answer answer = RawHttp.send(bundle.apiPort(), request.raw(), PATIENCE);
            return answer.status() > 0 ? answer.status() : answer.closed() ? 0 : -1;
        }
        HttpRequest.BodyPublisher body = request.body() == null ? HttpRequest.BodyPublishers.noBody()
                : request.chunked() ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(request.body()))
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(bundle.apiUrl(request.path()))).timeout(PATIENCE)
                .method(request.method(), body);
        request.headers().forEach(builder::header);
        try {
            return HTTP.send(builder.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.net.http.HttpTimeoutException e) {
            return -1;
        } catch (java.io.IOException e) {
            return 0; // the server closed the connection: an answer, if not an HTTP one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A digest of every row of every table the API can change. */
    private static String state() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String table : TABLES) {
                database.queryForList("SELECT * FROM " + table).stream().map(Object::toString).sorted()
                        .forEach(row -> digest.update(row.getBytes(StandardCharsets.UTF_8)));
                digest.update((byte) '|');
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(String name, String role) {
        return PayloadSchema.read(bundle.post("/api/keys", "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}").body())
                .get("key").asText();
    }

    private static int revoke(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(bundle.apiUrl(path))).DELETE()
                    .header("Authorization", "Bearer " + BundleUnderTest.ADMIN_KEY).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(PATIENCE).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String shorten(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }
}
