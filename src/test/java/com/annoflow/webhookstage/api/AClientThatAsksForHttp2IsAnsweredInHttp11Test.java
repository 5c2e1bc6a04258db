package com.annoflow.webhookstage.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JDK's HttpClient asks every new connection to upgrade to cleartext HTTP/2 (h2c) unless told otherwise. The
 * bundle's servers used to accept, and about one upgraded GET of /observe/metrics in 200 never finished or came back as
 * bytes the client could not read ({@link Http11Only}). Now both servers stay on HTTP/1.1, and such a client is answered
 * in it: each request here is a new client, so each asks for the upgrade on a connection of its own.
 */
class AClientThatAsksForHttp2IsAnsweredInHttp11Test {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void metricsHealthAndTheApiAnswerAClientThatAsksForAnUpgradeInHttp11() throws Exception {
        for (String url : new String[] { bundle.managementUrl("/observe/metrics"), bundle.managementUrl("/observe/health"),
                bundle.apiUrl("/api/workflows") }) {
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> response = getWithTheJdkDefaults(url);
                assertThat(response.statusCode()).as(url).isEqualTo(200);
                assertThat(response.version()).as("%s: the upgrade to h2c was not taken", url)
                        .isEqualTo(HttpClient.Version.HTTP_1_1);
            }
        }
    }

    private static HttpResponse<String> getWithTheJdkDefaults(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_2);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + BundleUnderTest.ADMIN_KEY).GET().build();
        // bounded here too: a stalled body is not covered by the request's own timeout (JDK-8258397)
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).get(20, TimeUnit.SECONDS);
    }
}
