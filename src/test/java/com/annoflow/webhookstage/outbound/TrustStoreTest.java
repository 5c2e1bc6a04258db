package com.annoflow.webhookstage.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Keytool;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Certificates are always verified: a receiver behind a private CA is reached only with that CA in the trust store. */
class TrustStoreTest {

    private static final Path DIR = Path.of("target", "tls");
    private static WireMockServer https;
    private static Receiver plain;

    @BeforeAll
    static void startAnHttpsReceiverWithAPrivateCertificate() throws Exception {
        Files.createDirectories(DIR);
        for (String file : List.of("receiver.p12", "receiver.crt", "trust.p12")) {
            Files.deleteIfExists(DIR.resolve(file));
        }
        Path certificate = Keytool.keyPair(DIR.resolve("receiver.p12"), "receiver", "CN=127.0.0.1", "changeit");
        Keytool.trustStore(DIR.resolve("trust.p12"), "private-ca", certificate, "trustpass");
        https = new WireMockServer(options().bindAddress("127.0.0.1").httpDisabled(true).httpsPort(0)
                .keystorePath(DIR.resolve("receiver.p12").toString()).keystorePassword("changeit")
                .keyManagerPassword("changeit").keystoreType("PKCS12"));
        https.start();
        https.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        plain = new Receiver().start();
    }

    @AfterAll
    static void stop() {
        https.stop();
        plain.close();
    }

    @Test
    void withoutTheTrustStoreTheCertificateIsRefusedAndNothingIsDelivered() {
        try (BundleUnderTest bundle = bundle().start()) {
            String id = deliver(bundle);
            await().atMost(Duration.ofSeconds(30)).until(() -> "tls/failed ASSIGNED".equals(bundle.stageOf(id)));
            assertThat(bundle.attempts(id)).hasSize(2).allSatisfy(a -> assertThat((String) a.get("ERROR")).contains("TLS"));
            assertThat(https.getAllServeEvents()).noneMatch(e -> e.getRequest().getBodyAsString().contains(id));
        }
    }

    @Test
    void withThePrivateCaInTheTrustStoreTheReceiverIsReached() {
        try (BundleUnderTest bundle = bundle().with("webhook.tls.trust-store", DIR.resolve("trust.p12").toString())
                .with("webhook.tls.trust-store-password", "trustpass").start()) {
            String id = deliver(bundle);
            await().atMost(Duration.ofSeconds(30)).until(() -> "tls/complete ASSIGNED".equals(bundle.stageOf(id)));
            assertThat(https.getAllServeEvents()).anyMatch(e -> e.getRequest().getBodyAsString().contains(id));
        }
    }

    private static BundleUnderTest bundle() {
        return BundleUnderTest.forDeliveryTests(plain).with("test.tls-port", Integer.toString(https.httpsPort()));
    }

    private static String deliver(BundleUnderTest bundle) {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("tls", "hook", id));
        return id;
    }
}
