package com.annoflow.webhookstage.bench;

import static com.annoflow.webhookstage.bench.BenchConfig.CONCURRENCY;
import static com.annoflow.webhookstage.bench.BenchConfig.DIR;
import static com.annoflow.webhookstage.bench.BenchConfig.FILES;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's processes: the receiver in its own JVM ({@link BenchReceiver}) and the bundle in its own JVM, started
 * as {@code mvn camel:run} starts it (WebhookStageMain, routes/ and config/, with -D overrides), ready when its health
 * check says so, paused and resumed through its API, stopped at the end; nothing outlives the benchmark.
 */
final class BenchProcesses {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Process receiver;
    private int receiverPort;
    private Process bundle;
    private int managementPort;
    private int apiPort;
    private String bundleUrl;
    private String bundleUser;
    private Path bundleWorkflow;
    private String bundleDatabase;
    /** Start the bundle with its own defaults (config/application.properties), as mvn compile camel:run does. */
    private boolean camelRunDefaults;

    Process bundle() {
        return bundle;
    }

    /**
     * Runs {@code work} with the bundle's JVM stopped (SIGSTOP, then SIGCONT): a measurement of the database alone, with
     * none of the paused bundle's periodic queries (queue gauges, lease recovery, endpoint health) beside it.
     */
    <T> T whileBundleSuspended(java.util.concurrent.Callable<T> work) throws Exception {
        signalBundle("STOP");
        try {
            return work.call();
        } finally {
            signalBundle("CONT");
        }
    }

    private void signalBundle(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(bundle.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + bundle.pid() + " failed");
        }
    }

    Process receiver() {
        return receiver;
    }

    int receiverPort() {
        return receiverPort;
    }

    String bundleUrl() {
        return bundleUrl;
    }

    /** Where the bundle's output goes. */
    Path bundleLog() {
        return DIR.resolve("bundle-" + bundleDatabase + ".log");
    }

    /** Each arrival the receiver recorded since its reset: "item-id epoch-millis" lines. */
    String receiverArrivals() throws Exception {
        return get("http://127.0.0.1:" + receiverPort + "/arrivals");
    }

    /** The operator's pause: the bundle stops claiming bench/hook files while the baseline runs on them. */
    void pause(boolean pause) throws Exception {
        pause("bench", pause);
    }

    /** The operator's pause or resume of a benchmark workflow's hook stage; a resume wakes the bundle's claim at once. */
    void pause(String workflow, boolean pause) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort
                        + "/api/workflows/" + workflow + "/stages/hook/" + (pause ? "pause" : "resume")))
                .header("Authorization", "Bearer bench-admin-key").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("pause/resume answered " + answer.statusCode() + ": " + answer.body());
        }
    }

    void startReceiver() throws IOException {
        // nodelay: without it the JDK server's small writes wait for delayed ACKs (about 40 ms per request on loopback)
        receiver = new ProcessBuilder(java(), "-Xmx512m", "-Dsun.net.httpserver.nodelay=true", "-cp", System.getProperty("java.class.path"),
                BenchReceiver.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first == null || !first.startsWith("PORT ")) {
            throw new IllegalStateException("receiver did not start: " + first);
        }
        receiverPort = Integer.parseInt(first.substring(5).trim());
    }

    Path writeWorkflow() throws IOException {
        String hook = "http://127.0.0.1:" + receiverPort + "/hook";
        Path file = DIR.resolve("workflow.yaml");
        Files.writeString(file, """
                workflows:
                  - name: bench
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "%s", on_failure: failed }
                      - { name: annotate, type: annotate }
                      - { name: failed, type: holding }
                  - name: bench-annotations
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "%s", include_annotations: true, on_failure: failed }
                      - { name: annotate, type: annotate }
                      - { name: failed, type: holding }
                  - name: bench-slow
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "%s", on_failure: failed }
                      - { name: annotate, type: annotate }
                      - { name: failed, type: holding }
                """.formatted(hook, hook, hook.replace("/hook", "/slow")));
        return file;
    }

    /**
     * The bundle to start from now on: its database (a name for its log file), JDBC URL and user, the workflow file,
     * and whether it runs with its own defaults (config/application.properties, as mvn compile camel:run does) or the
     * benchmark's delivery settings.
     */
    void useBundle(String database, String url, String user, Path workflow, boolean ownDefaults) {
        bundleDatabase = database;
        bundleUrl = url;
        bundleUser = user;
        bundleWorkflow = workflow;
        camelRunDefaults = ownDefaults;
    }

    void ensureBundle() throws Exception {
        if (bundle != null && bundle.isAlive()) {
            return;
        }
        managementPort = freePort();
        String classpath = "target/classes" + File.pathSeparator
                           + Files.readString(Path.of("target", "bundle-classpath.txt")).trim();
        List<String> command = new ArrayList<>(List.of(java(),
                // the embedded database lives in the bundle's heap: as under camel:run, the JVM's default heap then
                "-Xmx" + System.getProperty("bench.bundle-heap", camelRunDefaults ? "6g" : "256m"),
                "-Dwebhook.workflow-file=" + bundleWorkflow, "-Dwebhook.db.url=" + bundleUrl, "-Dwebhook.db.user=" + bundleUser,
                "-Dwebhook.db.password=", "-Dwebhook.demo.enabled=false", "-Dwebhook.ssrf.allow=127.0.0.1",
                "-Dwebhook.api.admin-key=bench-admin-key", "-Dcamel.server.port=" + (apiPort = freePort()),
                "-Dcamel.management.port=" + managementPort,
                // the 20 %-failing workload: a first wait of 1 s, db-scheduler's setting in the comparison (field notes)
                "-Dwebhook.retry-schedule=" + System.getProperty("bench.retry-schedule", "1s, 5m, 30m, 2h, 5h")));
        if (camelRunDefaults) {
            // one assignment request for every file of a run
            command.add("-Dwebhook.api.max-ids-per-request=" + Math.max(10_000, FILES));
        } else {
            command.addAll(List.of("-Dwebhook.concurrency=" + CONCURRENCY, "-Dwebhook.claim-batch-size=100",
                    "-Dwebhook.max-in-flight=" + Math.max(200, CONCURRENCY * 8)));
        }
        for (String option : System.getProperty("bench.bundle-options", "").split(",")) {
            if (!option.isBlank()) {
                command.add("-D" + option.trim());
            }
        }
        String jvmArgs = System.getProperty("bench.bundle-jvm-args", "");
        if (!jvmArgs.isBlank()) {
            command.addAll(List.of(jvmArgs.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", classpath, "com.annoflow.webhookstage.WebhookStageMain"));
        bundle = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(DIR.resolve("bundle-" + bundleDatabase + ".log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (!bundle.isAlive()) {
                throw new IllegalStateException("bundle exited at start; see " + DIR.resolve("bundle-" + bundleDatabase + ".log"));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/observe/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("bundle not ready within 2 minutes");
    }

    void stopBundle() throws InterruptedException {
        if (bundle != null && bundle.isAlive()) {
            bundle.destroy();
            if (!bundle.waitFor(60, TimeUnit.SECONDS)) {
                bundle.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    void killChildren() {
        for (Process p : new Process[] { bundle, receiver }) {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    void resetReceiver(boolean failFirst) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiverPort + "/reset?failFirst=" + failFirst))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    }

    long receiverRequests() throws Exception {
        String stats = get("http://127.0.0.1:" + receiverPort + "/stats");
        return Long.parseLong(stats.split(" ")[0].substring("requests=".length()));
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The body of an API GET with the bench's admin key. */
    String apiGet(String path) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
                .timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer bench-admin-key").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() >= 300) {
            throw new IllegalStateException("GET " + path + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer.body();
    }

    void api(String method, String path, String body) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
                .timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer bench-admin-key")
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + answer.statusCode() + ": " + answer.body());
        }
    }

    /** Visits of the workflow's webhook stage delivered since the bundle started, from its Prometheus metrics. */
    double delivered(String workflow) throws Exception {
        double sum = 0;
        for (String metric : get("http://127.0.0.1:" + managementPort + "/observe/metrics").split("\n")) {
            if (metric.startsWith("webhook_deliveries_total{") && metric.contains("outcome=\"DELIVERED\"")
                && metric.contains("workflow=\"" + workflow + "\"")) {
                sum += Double.parseDouble(metric.substring(metric.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
