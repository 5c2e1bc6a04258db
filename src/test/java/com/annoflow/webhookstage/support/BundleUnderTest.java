package com.annoflow.webhookstage.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.WebhookStageConfiguration;
import com.annoflow.webhookstage.WebhookStageMain;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The real bundle, started in-process the way {@code mvn camel:run} starts it: the operator's
 * {@code config/application.properties}, every route file of {@code routes/}, with a few properties overridden for the test
 * (its own database, a workflow file, free ports, a retry schedule of milliseconds).
 *
 * <p>It is also the suite's JUnit 5 extension: registered on a static field it starts before the class's tests (after
 * its receiver, if it has one) and stops after them; on an instance field, around each test. Its database is made when
 * it starts, so a class that is skipped makes none.
 * <pre>
 * static final Receiver receiver = new Receiver();
 * &#64;RegisterExtension
 * static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.retries", "0");
 * </pre>
 */
public final class BundleUnderTest implements AutoCloseable, BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private final Main main = new Main();
    private final Map<String, String> properties = new LinkedHashMap<>();
    // chosen when first needed, normally at start after the receivers are listening: a port chosen earlier could be
    // taken meanwhile by a receiver's own free-port choice (CI once answered a registration from the WireMock receiver)
    private int apiPort;
    private int managementPort;
    private final HttpClient http = TestHttp.client();
    private Supplier<TestDatabase> databaseSource;
    private TestDatabase database;
    private Receiver receiver;
    private boolean startedForTheClass;
    private JdbcTemplate jdbc;

    /** The bundle on {@code workflowFile}, with a fresh database of the suite's engine, made when it starts. */
    public BundleUnderTest(String workflowFile) {
        this(workflowFile, TestDatabase::fresh);
    }

    public BundleUnderTest(String workflowFile, TestDatabase database) {
        this(workflowFile, () -> database);
    }

    private BundleUnderTest(String workflowFile, Supplier<TestDatabase> database) {
        this.databaseSource = database;
        with("webhook.workflow-file", workflowFile);
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
        return forDeliveryTests(receiver, TestDatabase::fresh);
    }

    public static BundleUnderTest forDeliveryTests(Receiver receiver, TestDatabase database) {
        return forDeliveryTests(receiver, () -> database);
    }

    private static BundleUnderTest forDeliveryTests(Receiver receiver, Supplier<TestDatabase> database) {
        return new BundleUnderTest("src/test/resources/workflows/delivery.yaml", database).withReceiver(receiver)
                .with("test.closed-port", Integer.toString(Receiver.closedPort()))
                .with("test.authorization", "Bearer test-token")
                .with("test.signing-secret", SIGNING_SECRET)
                .with("test.next-signing-secret", NEXT_SIGNING_SECRET);
    }

    /** The Standard Webhooks test vector's secret, and a second one for rotation. */
    public static final String SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public static final String NEXT_SIGNING_SECRET = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHM=";

    private String secretsFile;

    private Path operatorFile;

    /** With {@code file} in place of config/application.properties. */
    public BundleUnderTest withOperatorFile(Path file) {
        this.operatorFile = file;
        return this;
    }

    /** As if started with WEBHOOK_SECRETS_FILE naming {@code file}. */
    public BundleUnderTest withSecretsFile(String file) {
        this.secretsFile = file;
        return this;
    }

    /** {@code bean} in the bundle's registry as {@code name}, before it starts (e.g. an OpenTelemetry to trace into). */
    public BundleUnderTest withBean(String name, Object bean) {
        main.bind(name, bean);
        return this;
    }

    /** The bundle keeps time by {@code clock} (leases, due times, the delivery log), not by the system clock. */
    public BundleUnderTest withClock(Clock clock) {
        main.bind(WebhookStageConfiguration.CLOCK_BEAN, clock);
        return this;
    }

    /**
     * {@code receiver} starts before the bundle and stops after it (when this is the test's extension); its address
     * is the workflow's {@code test.receiver} and {@code test.receiver-port}, unless the test set them itself.
     */
    public BundleUnderTest withReceiver(Receiver receiver) {
        this.receiver = receiver;
        return this;
    }

    /** The database, made when the bundle starts: for a test that needs one of its own kind (a password, say). */
    public BundleUnderTest withDatabase(Supplier<TestDatabase> database) {
        this.databaseSource = database;
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
        if (receiver != null) {
            receiver.start();
            properties.putIfAbsent("test.receiver", receiver.baseUrl());
            properties.putIfAbsent("test.receiver-port", Integer.toString(receiver.wiremock().port()));
        }
        properties.putIfAbsent("camel.server.port", Integer.toString(apiPort()));
        properties.putIfAbsent("camel.management.port", Integer.toString(managementPort()));
        database = databaseSource.get();
        with("webhook.db.url", database.url());
        with("webhook.db.user", database.user());
        with("webhook.db.password", database.password());
        main.setPropertyPlaceholderLocations(operatorFile != null ? "file:" + operatorFile
                : WebhookStageMain.propertyLocations(secretsFile));
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
        return "http://127.0.0.1:" + managementPort() + path;
    }

    public int apiPort() {
        if (apiPort == 0) {
            apiPort = AvailablePortFinder.getNextAvailable();
        }
        return apiPort;
    }

    private int managementPort() {
        if (managementPort == 0) {
            managementPort = AvailablePortFinder.getNextAvailable();
        }
        return managementPort;
    }

    public String apiUrl(String path) {
        return "http://127.0.0.1:" + apiPort() + path;
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

    public HttpResponse<String> delete(String path, String key) {
        return send(authorized(HttpRequest.newBuilder(URI.create(apiUrl(path))), key).timeout(Duration.ofSeconds(10))
                .DELETE().build());
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request, String key) {
        return key == null ? request : request.header("Authorization", "Bearer " + key);
    }

    private HttpResponse<String> send(HttpRequest request) {
        return TestHttp.send(http, request);
    }

    /** A value from /observe/metrics: the first series of {@code metric} whose labels start with {@code labels}; 0 if none. */
    public double metric(String metric, String labels) {
        String selector = labels.isEmpty() ? Pattern.quote(metric) + "(\\{[^}]*\\})?"
                : Pattern.quote(metric + "{" + labels) + "[^}]*\\}";
        Matcher m = Pattern.compile("(?m)^" + selector + " ([0-9.eE+-]+)$").matcher(metrics());
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

    /** The queue summary line as the bundle logs it now (its route, run on demand); null when it has nothing to say. */
    public String queueSummary() {
        ProducerTemplate template = context().createProducerTemplate();
        try {
            return template.requestBody("direct:queue-summary", null, String.class);
        } finally {
            template.stop();
        }
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

    /** Stops the bundle (not its receiver). */
    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startedForTheClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopWithTheReceiver();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!startedForTheClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!startedForTheClass) {
            stopWithTheReceiver();
        }
    }

    private void stopWithTheReceiver() {
        try {
            close();
        } finally {
            if (receiver != null) {
                receiver.close();
            }
        }
    }
}
