package com.annoflow.webhookstage.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.RawHttp;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each cap of docs/security.md, at its default, refuses what goes past it with a 4xx whose message names the cap's
 * property, and stores nothing; the HTTP server's own rules answer framing and content types before a body is read.
 */
class RequestCapsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.api.read-timeout", "1s");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a name over 500 characters | name | 501 | webhook.api.max-name-chars",
            "a path over 1,000 characters | path | 1001 | webhook.api.max-path-chars",
            "a URL over 4,000 characters | url | 4001 | webhook.api.max-url-chars"
    })
    void aTextFieldOverItsCapIsRefusedNamingItsProperty(String why, String field, int length, String property) {
        String file = TestFiles.file(TestFiles.newId(), "a.jpg", "[]");
        file = switch (field) {
            case "name" -> file.replace("\"name\": \"a.jpg\"", "\"name\": \"" + "n".repeat(length) + "\"");
            case "path" -> file.replace("\"path\": \"/\"", "\"path\": \"/" + "p".repeat(length - 1) + "\"");
            default -> file.replace("https://example.org/files/a.jpg", "https://example.org/" + "u".repeat(length - 20));
        };
        assertRefused(post("{\"files\": [" + file + "]}"), 400, property);
    }

    @Test
    void aBodyOverTheCapIsRefusedBeforeItIsReadWhetherItsLengthIsSaidOrNot() {
        byte[] body = ("{\"files\": [\"" + "x".repeat(10_000_001) + "\"]}").getBytes(StandardCharsets.UTF_8);
        assertRefused(send(HttpRequest.BodyPublishers.ofByteArray(body), "application/json"), 413,
                "webhook.api.max-request-bytes");
        assertRefused(send(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)), "application/json"),
                413, "webhook.api.max-request-bytes");
    }

    @Test
    void countsOverTheirCapsAreRefusedNamingTheirProperties() {
        assertRefused(post("{\"files\": [" + String.join(",", Collections.nCopies(1001, file())) + "]}"), 413,
                "webhook.api.max-files-per-request");
        assertRefused(post("{\"files\": [" + TestFiles.file(TestFiles.newId(), "a.jpg", "[" + String.join(",",
                Collections.nCopies(10_001, "{\"name\": \"car\", \"tag\": {}}")) + "]") + "]}"), 400,
                "webhook.api.max-annotations-per-file");
        String ids = Stream.generate(TestFiles::newId).limit(10_001).collect(Collectors.joining("\", \"", "[\"", "\"]"));
        assertRefused(bundle.post("/api/assignments", "{\"workflow\": \"flow\", \"stage\": \"annotate\", \"file_ids\": "
                                                      + ids + "}"), 400, "webhook.api.max-ids-per-request");
        assertRefused(post("{\"files\": " + "[".repeat(65) + "]".repeat(65) + "}"), 400, "webhook.api.max-json-depth");
    }

    @Test
    void aBodyInAnotherCharsetOrFormatIsRefusedWithoutAnUploadToDisk() throws IOException {
        assertRefused(send(HttpRequest.BodyPublishers.ofString(TestFiles.registration(TestFiles.newId())),
                "application/json; charset=utf-7"), 415, "charset 'utf-7' is not accepted");
        // Vert.x's body handler streams a multipart body's file parts to disk (Camel: a camel-tmp-* directory under
        // the temp directory) unless the request is refused before its body is read
        Path camelTemp = Path.of(System.getProperty("java.io.tmpdir"), "camel");
        Set<Path> before = entries(camelTemp);
        String multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.sh\"\r\n\r\n"
                           + "#!/bin/sh\r\n--XyZ--\r\n";
        assertRefused(send(HttpRequest.BodyPublishers.ofString(multipart), "multipart/form-data; boundary=XyZ"), 415,
                "'multipart/form-data' is not accepted");
        assertThat(entries(camelTemp)).isEqualTo(before);
        assertThat(Path.of("file-uploads")).doesNotExist();
    }

    @Test
    void framingThatIsNotOneLengthOrChunkedAloneIsRefusedAndABodyThatStopsShortIsCutOff() {
        String head = "POST /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + BundleUnderTest.ADMIN_KEY
                      + "\r\nContent-Type: application/json\r\n";
        RawHttp.Answer mixed = RawHttp.send(bundle.apiPort(), head + "Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}",
                Duration.ofSeconds(10));
        assertThat(mixed.status()).isEqualTo(400);
        assertThat(mixed.text()).contains("Transfer-Encoding: 'xchunked' is not accepted");
        RawHttp.Answer shortBody = RawHttp.send(bundle.apiPort(), head + "Content-Length: 100\r\n\r\n{\"files\": [",
                Duration.ofSeconds(10));
        assertThat(shortBody.status()).isEqualTo(408);
        assertThat(shortBody.text()).contains("webhook.api.read-timeout");
        assertThat(shortBody.took()).isLessThan(Duration.ofSeconds(5));
    }

    private static void assertRefused(HttpResponse<String> answer, int status, String named) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(PayloadSchema.read(answer.body()).get("error").asText()).contains(named);
        assertThat(bundle.jdbc().queryForObject("SELECT COUNT(*) FROM file", Integer.class)).as("nothing stored").isZero();
    }

    private static HttpResponse<String> post(String json) {
        return send(HttpRequest.BodyPublishers.ofString(json), "application/json");
    }

    private static HttpResponse<String> send(HttpRequest.BodyPublisher body, String contentType) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(bundle.apiUrl("/api/files"))).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + BundleUnderTest.ADMIN_KEY).header("Content-Type", contentType)
                    .POST(body).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String file() {
        return TestFiles.file(TestFiles.newId(), "a.jpg", "[]");
    }

    private static Set<Path> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.collect(Collectors.toSet());
        }
    }
}
