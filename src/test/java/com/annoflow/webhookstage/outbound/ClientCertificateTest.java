package com.annoflow.webhookstage.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.Keytool;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stage with {@code client_certificate} (workflows/mtls.yaml) presents the key and certificate of its PKCS12 keystore
 * to a receiver that requires one: an HTTPS server on 127.0.0.1 that trusts only that certificate (both made with
 * keytool). The stage without one is refused in the handshake, and a keystore the bundle cannot use stops start-up.
 */
class ClientCertificateTest {

    private static final Path DIR = Path.of("target", "mtls");
    private static final String CLIENT_PASSWORD = "client-p12-pass";
    private static WireMockServer https;
    private static BundleUnderTest bundle;

    @BeforeAll
    static void startAReceiverThatRequiresAClientCertificate() throws Exception {
        Files.createDirectories(DIR);
        for (String file : List.of("receiver.p12", "receiver.crt", "bundle-trust.p12", "client.p12", "client.crt",
                "receiver-trust.p12", "expired.p12", "expired.crt")) {
            Files.deleteIfExists(DIR.resolve(file));
        }
        Path receiverCertificate = Keytool.keyPair(DIR.resolve("receiver.p12"), "receiver", "CN=127.0.0.1", "changeit");
        Keytool.trustStore(DIR.resolve("bundle-trust.p12"), "receiver", receiverCertificate, "trustpass");
        Path clientCertificate = Keytool.keyPair(DIR.resolve("client.p12"), "client", "CN=annoflow-bundle", CLIENT_PASSWORD);
        Keytool.trustStore(DIR.resolve("receiver-trust.p12"), "client", clientCertificate, "trustpass");
        https = new WireMockServer(options().bindAddress("127.0.0.1").httpDisabled(true).httpsPort(0)
                .keystorePath(DIR.resolve("receiver.p12").toString()).keystorePassword("changeit")
                .keyManagerPassword("changeit").keystoreType("PKCS12")
                .needClientAuth(true).trustStorePath(DIR.resolve("receiver-trust.p12").toString())
                .trustStorePassword("trustpass").trustStoreType("PKCS12"));
        https.start();
        https.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        bundle = bundle().start();
    }

    @AfterAll
    static void stop() {
        if (bundle != null) {
            bundle.close();
        }
        https.stop();
    }

    @Test
    void theReceiverAcceptsTheStagesCertificate() {
        String id = deliver("with-certificate");

        await().atMost(Duration.ofSeconds(30)).until(() -> "mtls/complete ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(https.getAllServeEvents()).anyMatch(e -> e.getRequest().getBodyAsString().contains(id));
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> assertThat(a.get("OUTCOME")).isEqualTo("DELIVERED"));
    }

    @Test
    void theReceiverRefusesAStageWithoutOne() {
        String id = deliver("without-certificate");

        await().atMost(Duration.ofSeconds(30)).until(() -> "mtls/failed ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(https.getAllServeEvents()).noneMatch(e -> e.getRequest().getBodyAsString().contains(id));
        assertThat(bundle.attempts(id)).singleElement().satisfies(a -> {
            assertThat(a.get("HTTP_STATUS")).isNull();
            // TLS 1.3 sends the receiver's refusal after the client's side of the handshake is done: the client may
            // read that alert (the hint names client_certificate) or first fail writing the request (a broken pipe)
            assertThat((String) a.get("ERROR")).satisfiesAnyOf(
                    error -> assertThat(error).contains("TLS handshake with 127.0.0.1 failed")
                            .contains("the receiver asks for a client certificate: give the stage a client_certificate"),
                    error -> assertThat(error).containsAnyOf("Broken pipe", "Connection reset"));
        });
    }

    @Test
    void aPingPresentsTheCertificateTooAndTheApiSaysOneIsConfigured() {
        JsonNode ping = PayloadSchema.read(bundle.post("/api/workflows/mtls/stages/with-certificate/ping", "").body());
        assertThat(ping.get("outcome").asText()).as(ping.toString()).isEqualTo("DELIVERED");

        JsonNode stages = PayloadSchema.read(bundle.get("/api/workflows").body()).at("/workflows/0/stages");
        assertThat(stages.get(1).get("client_certificate").asText()).isEqualTo("configured");
        assertThat(stages.get(2).get("client_certificate").asText()).isEqualTo("none");
        assertThat(stages.toString()).doesNotContain(CLIENT_PASSWORD);
    }

    @Test
    void aKeystoreTheBundleCannotOpenStopsStartUpNamingTheStageAndField() throws Exception {
        assertThatThrownBy(() -> bundle().with("test.client-keystore-password", "not-the-password").start().close())
                .hasStackTraceContaining("workflow 'mtls', stage 'with-certificate', client_certificate: field 'keystore'")
                .hasStackTraceContaining("cannot be opened with the password given (not shown)")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("not-the-password"));
        assertThatThrownBy(() -> bundle().with("test.client-keystore", DIR.resolve("missing.p12").toString()).start().close())
                .hasStackTraceContaining("field 'keystore' = '" + DIR.resolve("missing.p12") + "' does not exist");
        // a trust store holds a certificate but no key: it cannot authenticate the bundle
        assertThatThrownBy(() -> bundle().with("test.client-keystore", DIR.resolve("receiver-trust.p12").toString())
                .with("test.client-keystore-password", "trustpass").start().close())
                .hasStackTraceContaining("holds no private key with its certificate");
        Keytool.keyPair(DIR.resolve("expired.p12"), "client", "CN=annoflow-bundle", CLIENT_PASSWORD, "-5d");
        assertThatThrownBy(() -> bundle().with("test.client-keystore", DIR.resolve("expired.p12").toString()).start().close())
                .hasStackTraceContaining("holds a certificate that expired on")
                .hasStackTraceContaining("renew it, receivers refuse an expired client certificate");
    }

    @Test
    void aCertificateThatExpiresWithinThirtyDaysIsWarnedAboutAtStartUp() {
        // the test's client certificate is valid for two days
        try (CapturedLogs logs = new CapturedLogs(org.apache.logging.log4j.Level.WARN);
                BundleUnderTest another = bundle().start()) {
            assertThat(logs.lines()).anyMatch(line -> line.contains("stage mtls/with-certificate: its client certificate"
                                                                    + " (CN=annoflow-bundle) expires on"));
            assertThat(logs.lines()).noneMatch(line -> line.contains(CLIENT_PASSWORD));
        }
    }

    private static BundleUnderTest bundle() {
        return new BundleUnderTest("src/test/resources/workflows/mtls.yaml")
                .with("test.mtls-port", Integer.toString(https.httpsPort()))
                .with("test.client-keystore", DIR.resolve("client.p12").toString())
                .with("test.client-keystore-password", CLIENT_PASSWORD)
                .with("webhook.tls.trust-store", DIR.resolve("bundle-trust.p12").toString())
                .with("webhook.tls.trust-store-password", "trustpass");
    }

    private static String deliver(String stage) {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("mtls", stage, id));
        return id;
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter trace = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(trace));
        return trace.toString();
    }
}
