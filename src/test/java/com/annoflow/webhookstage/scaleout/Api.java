package com.annoflow.webhookstage.scaleout;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.TestFiles;
import com.annoflow.webhookstage.support.TestHttp;

/** Registers and assigns many files through a bundle process's HTTP API, as an operator's script would. */
final class Api {

    private static final HttpClient HTTP = TestHttp.client();

    private Api() {
    }

    static void awaitUp(BundleProcess bundle) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> send(bundle, "GET", "/api/workflows", null).statusCode() == 200);
    }

    /** Registers {@code count} files and assigns them to flow/send, in batches of 500; returns their ids. */
    static List<String> registerAndAssign(BundleProcess bundle, int count) {
        List<String> all = new ArrayList<>();
        for (int start = 0; start < count; start += 500) {
            List<String> batch = new ArrayList<>();
            StringBuilder files = new StringBuilder("{\"files\": [");
            for (int i = start; i < Math.min(count, start + 500); i++) {
                String id = TestFiles.newId();
                batch.add(id);
                files.append(batch.size() > 1 ? "," : "").append(TestFiles.file(id, "f" + i + ".jpg", "[]"));
            }
            expect(send(bundle, "POST", "/api/files", files.append("]}").toString()), 201);
            expect(send(bundle, "POST", "/api/assignments",
                    TestFiles.assignment("flow", "send", batch.toArray(String[]::new))), 200);
            all.addAll(batch);
        }
        return all;
    }

    /** Registers one file and assigns it to {@code workflow/stage}; returns its id. */
    static String registerAndAssign(BundleProcess bundle, String workflow, String stage) {
        String id = TestFiles.newId();
        expect(send(bundle, "POST", "/api/files", TestFiles.registration(id)), 201);
        expect(send(bundle, "POST", "/api/assignments", TestFiles.assignment(workflow, stage, id)), 200);
        return id;
    }

    /** A GET answered 200, as JSON. */
    static com.fasterxml.jackson.databind.JsonNode get(BundleProcess bundle, String path) {
        HttpResponse<String> response = send(bundle, "GET", path, null);
        expect(response, 200);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A POST answered 200. */
    static void post(BundleProcess bundle, String path, String body) {
        expect(send(bundle, "POST", path, body), 200);
    }

    private static void expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new AssertionError("API answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static HttpResponse<String> send(BundleProcess bundle, String method, String path, String body) {
        return TestHttp.send(HTTP, HttpRequest.newBuilder(URI.create(bundle.apiUrl(path))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + BundleUnderTest.ADMIN_KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build());
    }
}
