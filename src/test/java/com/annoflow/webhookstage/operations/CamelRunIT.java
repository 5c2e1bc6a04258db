package com.annoflow.webhookstage.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.tooling.maven.MavenArtifact;
import org.apache.camel.tooling.maven.MavenDownloaderImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code camel run} works: KameletMain, the runtime behind the Camel CLI, in a JVM whose classpath holds only
 * camel-kamelet-main and its dependencies, started in a directory holding only copies of {@code routes/} (plus a route
 * file of its own) and {@code config/}, with the packaged bundle jar declared as a dependency (installed into the local Maven repository
 * before this test, as {@code mvn install} would) and resolved by KameletMain itself. It runs the demo from the unchanged
 * config and delivers the demo files.
 */
class CamelRunIT {

    private Process process;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void kameletMainRunsEveryRouteFileAndTheConfigWithTheInstalledJarAndDeliversTheDemoFiles() throws Exception {
        Path dir = Path.of("target", "camel-run-it").toAbsolutePath();
        deleteRecursively(dir);
        copy(Path.of("routes"), dir.resolve("routes"));
        copy(Path.of("config"), dir.resolve("config"));
        // an integration engineer's own route file beside the bundle's: loaded with no other change
        Files.writeString(dir.resolve("routes").resolve("custom-hello.camel.yaml"), """
                - route:
                    id: custom-hello
                    description: A route file of the integration engineer's, next to the bundle's own.
                    from:
                      uri: platform-http:/custom/hello
                      steps:
                        - setBody:
                            constant: hello from a custom route file
                """);
        Path log = dir.resolve("camel-run.log");
        int apiPort = freePort();
        int managementPort = freePort();

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dlog4j2.configurationFile=" + Path.of("src/test/resources/log4j2-bundle-process.xml").toAbsolutePath(),
                "-Dcamel.server.port=" + apiPort, "-Dcamel.management.port=" + managementPort,
                // where `mvn install` put the bundle jar (failsafe passes the build's local repository); `camel run`
                // reads the same property
                "-Dmaven.repo.local=" + System.getProperty("maven.repo.local", ""),
                "-cp", kameletMainClasspath(),
                Path.of("src", "test", "camel-run", "CamelRun.java").toAbsolutePath().toString(),
                System.getProperty("webhook.bundle.gav")));
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();

        // the demo queues files at start; its webhook stage delivers them to the demo receiver inside the bundle
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            assertThat(process.isAlive()).as("KameletMain exited; see %s:%n%s", log, tail(log)).isTrue();
            return Files.readString(log).contains("moved demo/notify-receiver -> annotate (DELIVERED");
        });
        String output = Files.readString(log);
        assertThat(output).containsPattern(
                "file \\S+ stage demo/notify-receiver delivery msg_\\S+ attempt \\d/6: HTTP 200");
        assertThat(get("http://127.0.0.1:" + managementPort + "/observe/health/ready").statusCode()).isEqualTo(200);
        assertThat(get("http://127.0.0.1:" + apiPort + "/api/workflows").statusCode()).isEqualTo(401);
        assertThat(get("http://127.0.0.1:" + apiPort + "/custom/hello").body()).isEqualTo("hello from a custom route file");
        // the demo's Authorization value is never logged
        assertThat(output).doesNotContain("demo-token");
    }

    /**
     * camel-kamelet-main and its dependencies plus a logging back-end, as the Camel CLI has them; not the bundle, not its
     * dependencies.
     */
    private static String kameletMainClasspath() throws Exception {
        MavenDownloaderImpl downloader = new MavenDownloaderImpl();
        downloader.build();
        downloader.start();
        try {
            List<MavenArtifact> artifacts = downloader.resolveArtifacts(
                    List.of("org.apache.camel:camel-kamelet-main:" + System.getProperty("webhook.camel.version"),
                            "org.apache.logging.log4j:log4j-slf4j2-impl:" + System.getProperty("webhook.log4j.version")),
                    Set.of(), true, false);
            String classpath = artifacts.stream().map(a -> a.getFile().getAbsolutePath())
                    .collect(Collectors.joining(File.pathSeparator));
            assertThat(classpath).doesNotContain("webhook-stage").doesNotContain("target/classes");
            return classpath;
        } finally {
            ServiceHelper.stopAndShutdownService(downloader);
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
