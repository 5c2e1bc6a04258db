package com.annoflow.webhookstage.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.WebhookStageMain;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The real bundle, started in-process the way {@code mvn camel:run} starts it: the operator's
 * {@code config/application.properties}, every route file of {@code routes/}, with a few properties overridden for the test
 * (its own HSQLDB, a workflow file, a free port, a retry schedule of milliseconds).
 */
public final class BundleUnderTest implements AutoCloseable {

    private final Main main = new Main();
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final int apiPort;
    private final int managementPort = freePort();
    private final TestDatabase database;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private JdbcTemplate jdbc;

    public BundleUnderTest(String workflowFile) {
        this(workflowFile, TestDatabase.fresh());
    }

    public BundleUnderTest(String workflowFile, TestDatabase database) {
        this.apiPort = freePort();
        this.database = database;
        with("webhook.workflow-file", workflowFile);
        with("webhook.db.url", database.url());
        with("webhook.db.user", database.user());
        with("webhook.db.password", database.password());
        with("camel.server.port", Integer.toString(apiPort));
        with("camel.management.port", Integer.toString(managementPort));
        with("webhook.demo.enabled", "false");
        with("webhook.poll-interval", "100");
        with("webhook.retry-schedule", "50ms, 100ms, 200ms, 400ms");
        with("webhook.retry-after.max", "5s");
        with("webhook.lease-duration", "30s");
        with("webhook.lease-recovery-interval", "500ms");
        with("camel.main.shutdownTimeout", "5");
        with("webhook.api.admin-key", ADMIN_KEY);
        // tests that fail many deliveries on purpose would trip it; EndpointHealthTest turns it on
        with("webhook.circuit.enabled", "false");
    }

    /** The bundle on {@code workflows/delivery.yaml}, its stages pointing at {@code receiver}. */
    public static BundleUnderTest forDeliveryTests(Receiver receiver) {
        return forDeliveryTests(receiver, TestDatabase.fresh());
    }

    public static BundleUnderTest forDeliveryTests(Receiver receiver, TestDatabase database) {
        return new BundleUnderTest("src/test/resources/workflows/delivery.yaml", database)
                .with("test.receiver", receiver.baseUrl())
                .with("test.receiver-port", Integer.toString(receiver.wiremock().port()))
                .with("test.closed-port", Integer.toString(Receiver.closedPort()))
                .with("test.authorization", "Bearer test-token")
                .with("test.signing-secret", SIGNING_SECRET)
                .with("test.next-signing-secret", NEXT_SIGNING_SECRET);
    }

    /** The Standard Webhooks test vector's secret, and a second one for rotation. */
    public static final String SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public static final String NEXT_SIGNING_SECRET = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHM=";

    private String secretsFile;

    /** As if started with WEBHOOK_SECRETS_FILE naming {@code file}. */
    public BundleUnderTest withSecretsFile(String file) {
        this.secretsFile = file;
        return this;
    }

    /** The bundle keeps time by {@code clock} (leases, due times, the delivery log), not by the system clock. */
    public BundleUnderTest withClock(java.time.Clock clock) {
        main.bind(com.annoflow.webhookstage.WebhookStageConfiguration.CLOCK_BEAN, clock);
        return this;
    }

    public BundleUnderTest without(String key) {
        properties.remove(key);
        return this;
    }

    /** Loads the route files of {@code dir} too, beside those of {@code routes/}, as an integration engineer's own. */
    public BundleUnderTest withRoutesFrom(String dir) {
        return with("camel.main.routesIncludePattern", "file:routes/*.yaml,file:" + dir + "/*.yaml");
    }

    public BundleUnderTest with(String key, String value) {
        properties.put(key, value);
        return this;
    }

    public BundleUnderTest start() {
        main.setPropertyPlaceholderLocations(WebhookStageMain.propertyLocations(secretsFile));
        properties.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        jdbc = database.jdbc();
        return this;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public JdbcTemplate jdbc() {
        return jdbc;
    }

    public String managementUrl(String path) {
        return "http://127.0.0.1:" + managementPort + path;
    }

    public int apiPort() {
        return apiPort;
    }

    public String apiUrl(String path) {
        return "http://127.0.0.1:" + apiPort + path;
    }

    /** The admin key every test bundle is configured with. */
    public static final String ADMIN_KEY = "test-admin-key";

    public HttpResponse<String> post(String path, String json) {
        return post(path, json, ADMIN_KEY);
    }

    /** With {@code key} null, the request carries no Authorization header. */
    public HttpResponse<String> post(String path, String json, String key) {
        return send(authorized(HttpRequest.newBuilder(URI.create(apiUrl(path))), key).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpResponse<String> get(String path) {
        return get(path, ADMIN_KEY);
    }

    public HttpResponse<String> get(String path, String key) {
        return send(authorized(HttpRequest.newBuilder(URI.create(apiUrl(path))), key).timeout(Duration.ofSeconds(10))
                .GET().build());
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request, String key) {
        return key == null ? request : request.header("Authorization", "Bearer " + key);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A value from /observe/metrics: the first series of {@code metric} whose labels start with {@code labels}; 0 if none. */
    public double metric(String metric, String labels) {
        String selector = labels.isEmpty() ? java.util.regex.Pattern.quote(metric) + "(\\{[^}]*\\})?"
                : java.util.regex.Pattern.quote(metric + "{" + labels) + "[^}]*\\}";
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + selector + " ([0-9.eE+-]+)$").matcher(metrics());
        return m.find() ? Double.parseDouble(m.group(m.groupCount())) : 0;
    }

    /** The Prometheus text from /observe/metrics on the management port. */
    public String metrics() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(managementUrl("/observe/metrics")))
                .timeout(Duration.ofSeconds(10)).GET().build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/observe/metrics answered " + response.statusCode());
        }
        return response.body();
    }

    public TestDatabase database() {
        return database;
    }

    /** The stage a file is in now, as "workflow/stage", and its status. */
    public String stageOf(String itemId) {
        List<String> rows = jdbc.queryForList("SELECT s.workflow_name || '/' || s.name || ' ' || a.status FROM assignment a"
                                              + " JOIN stage s ON s.id = a.stage_id WHERE a.item_id = ?", String.class, itemId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public List<Map<String, Object>> attempts(String itemId) {
        return jdbc.queryForList("SELECT * FROM delivery_attempt WHERE item_id = ? ORDER BY id", itemId);
    }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
