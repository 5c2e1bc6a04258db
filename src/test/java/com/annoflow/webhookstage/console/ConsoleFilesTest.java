package com.annoflow.webhookstage.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The console's three files are served without a key, with a policy that lets them load nothing else; nothing else is. */
class ConsoleFilesTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void thePageItsScriptAndItsStylesAreServedWithoutAKeyUnderAStrictPolicy() throws Exception {
        HttpResponse<String> page = get("/console/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(ConsoleRoutes.POLICY);
        assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(page.body()).contains("<script src=\"/console/console.js\" defer></script>")
                .doesNotContain(BundleUnderTest.ADMIN_KEY);
        assertThat(get("/console/console.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/console/console.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        // the script writes API values as text only
        assertThat(get("/console/console.js").body()).doesNotContain("innerHTML").doesNotContain("insertAdjacentHTML")
                .doesNotContain("document.write");
    }

    @Test
    void onlyTheConsolesFilesAreServedAndOnlyToGetAndHead() throws Exception {
        HttpResponse<String> bare = get("/console");
        assertThat(bare.statusCode()).isEqualTo(301);
        assertThat(bare.headers().firstValue("Location")).hasValue("/console/");
        assertThat(get("/console/nope.js").statusCode()).isEqualTo(404);
        assertThat(get("/console/%2e%2e/config/application.properties").statusCode()).isEqualTo(404);
        assertThat(get("/console/console.js/").statusCode()).isEqualTo(404);
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(bundle.apiUrl("/console/")))
                .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isIn(404, 405);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(bundle.apiUrl(path))).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
