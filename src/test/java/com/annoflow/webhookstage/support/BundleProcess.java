package com.annoflow.webhookstage.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.test.AvailablePortFinder;

/**
 * The bundle in a JVM of its own, started like {@code mvn camel:run} (WebhookStageMain in the project directory,
 * config/ and routes/ as they are) with -D overrides: for several instances on one database and for SIGKILL.
 */
public final class BundleProcess implements AutoCloseable {

    private final String name;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final Path log;
    private Process process;

    public BundleProcess(String name, TestDatabase database, String workflowFile) {
        this.name = name;
        this.log = Path.of("target", "bundle-processes", name + ".log");
        with("webhook.workflow-file", workflowFile);
        with("webhook.db.url", database.url());
        with("webhook.db.user", database.user());
        with("webhook.db.password", database.password());
        with("webhook.demo.enabled", "false");
        with("webhook.instance-id", name);
        with("webhook.api.admin-key", BundleUnderTest.ADMIN_KEY);
        with("camel.server.port", Integer.toString(AvailablePortFinder.getNextAvailable()));
        with("camel.management.port", Integer.toString(AvailablePortFinder.getNextAvailable()));
    }

    /** The bundle on {@code workflows/delivery.yaml}, its stages pointing at {@code receiverUrl}. */
    public static BundleProcess forDeliveryTests(String name, TestDatabase database, String receiverUrl) {
        return new BundleProcess(name, database, "src/test/resources/workflows/delivery.yaml")
                .with("test.receiver", receiverUrl)
                .with("test.receiver-port", receiverUrl.substring(receiverUrl.lastIndexOf(':') + 1))
                .with("test.closed-port", Integer.toString(Receiver.closedPort()))
                .with("test.authorization", "Bearer test-token")
                .with("test.signing-secret", BundleUnderTest.SIGNING_SECRET)
                .with("test.next-signing-secret", BundleUnderTest.NEXT_SIGNING_SECRET);
    }

    public String apiUrl(String path) {
        return "http://127.0.0.1:" + properties.get("camel.server.port") + path;
    }

    public BundleProcess with(String key, String value) {
        properties.put(key, value);
        return this;
    }

    public BundleProcess start() {
        try {
            Files.createDirectories(log.getParent());
            String classpath = "target/classes" + java.io.File.pathSeparator
                               + Files.readString(Path.of("target", "bundle-classpath.txt")).trim();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx512m");
            command.add("-Dlog4j2.configurationFile=src/test/resources/log4j2-bundle-process.xml");
            properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-cp");
            command.add(classpath);
            command.add("com.annoflow.webhookstage.WebhookStageMain");
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return this;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start bundle " + name, e);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no lease released, connections dropped mid-statement. */
    public void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGTERM: Camel's graceful shutdown. */
    public void stop() {
        if (isAlive()) {
            process.destroy();
            waitForExit();
        }
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit();
        }
    }
}
