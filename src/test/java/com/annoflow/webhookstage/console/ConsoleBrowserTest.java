package com.annoflow.webhookstage.console;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.HsqldbOnly;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (headless Chromium from the Debian packages, driven by Selenium) against a real
 * bundle: sign in, see a failed file, open its attempts, redeliver it and see it delivered; a file named with markup
 * shows as text; a worker's key is offered no pause. Without Chromium the class is skipped with the reason, unless
 * webhook.test.browser=required (as .ci/run sets it, after installing Chromium).
 */
@HsqldbOnly
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("webhook.test.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("webhook.test.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String MARKUP_NAME = "<img src=x onerror=alert(1)>";

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.retries", "0");

    private static WebDriver browser;
    private static String failed;
    private static String markup;

    @BeforeAll
    static void openTheBrowserAndFailTwoFiles() {
        ChromeOptions options = options();
        // the Debian driver, never one Selenium Manager would try to download
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .withLogOutput(java.io.OutputStream.nullOutputStream()).build(), options);
        browser.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
        receiver.wiremock().stubFor(post(urlPathEqualTo("/fail")).willReturn(aResponse().withStatus(500).withBody("down")));
        failed = TestFiles.newId();
        markup = TestFiles.newId();
        assertThat(bundle.post("/api/files", TestFiles.registration(failed)).statusCode()).isEqualTo(201);
        // the item's name only: its source file keeps a plain name and URL
        String named = TestFiles.file(markup, "image_2.jpg", "[]").replaceFirst("\"name\": \"image_2.jpg\"",
                "\"name\": \"" + MARKUP_NAME + "\"");
        assertThat(bundle.post("/api/files", "{\"files\": [" + named + "]}").statusCode()).isEqualTo(201);
        assertThat(bundle.post("/api/assignments", TestFiles.assignment("fail-named", "hook", failed, markup)).statusCode())
                .isEqualTo(200);
        await().atMost(WAIT).until(() -> List.of(failed, markup).stream()
                .allMatch(id -> "fail-named/webhook-failed ASSIGNED".equals(bundle.stageOf(id))));
    }

    private static ChromeOptions options() {
        boolean required = "required".equals(System.getProperty("webhook.test.browser"))
                           || "required".equals(System.getenv("WEBHOOK_TEST_BROWSER"));
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String why = "no Chromium at " + CHROMIUM + " with its driver at " + CHROMEDRIVER
                         + " (apt-get install chromium chromium-driver; .ci/run does)";
            if (required) {
                throw new IllegalStateException(why + "; webhook.test.browser=required");
            }
            Assumptions.abort(why + ": browser test skipped");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--no-proxy-server", "--disable-gpu");
        return options;
    }

    @AfterAll
    static void closeTheBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    @Order(1)
    void anAdminSeesAFailedFileItsAttemptsAndRedeliversIt() throws Exception {
        signIn(BundleUnderTest.ADMIN_KEY);
        WebElement card = waitFor(By.cssSelector("[data-stage='fail-named/hook']"));
        await().atMost(WAIT).until(() -> card(By.cssSelector("[data-stage='fail-named/hook'] [data-count='failed'] b"))
                .getText().equals("2"));
        Path shot = Path.of("target", "console.png");
        Files.write(shot, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
        assertThat(browser.findElement(By.id("whoami")).getText()).contains("admin");
        // a target's path and query can be its credential: masked for every role, the admin too
        String target = card(By.cssSelector("[data-stage='auth/hook'] .target")).getText();
        assertThat(target).startsWith(receiver.baseUrl() + "/***").doesNotContain("tok-path").doesNotContain("tok-query");
        assertThat(browser.getPageSource()).doesNotContain("tok-path").doesNotContain("tok-query");

        card(By.cssSelector("[data-stage='fail-named/hook'] a.files-failed")).click();
        WebElement row = waitFor(By.cssSelector("tr[data-item='" + failed + "']"));
        assertThat(row.getText()).contains("500").contains("HTTP 500");

        row.findElement(By.cssSelector("a.file-link")).click();
        WebElement attempt = waitFor(By.cssSelector("#attempts tr[data-outcome='FAILED']"));
        assertThat(attempt.getText()).contains("500").contains("hook");

        receiver.wiremock().resetAll();
        receiver.wiremock().stubFor(post(urlPathEqualTo("/fail")).willReturn(aResponse().withStatus(200)));
        waitFor(By.cssSelector("button.redeliver")).click();
        assertThat(waitFor(By.id("confirm-text")).getText()).contains("Redeliver image_1.jpg through hook");
        browser.findElement(By.id("confirm-yes")).click();
        assertThat(waitFor(By.id("result")).getText()).contains("Redelivered: " + failed);

        await().atMost(WAIT).until(() -> "fail-named/complete ASSIGNED".equals(bundle.stageOf(failed)));
        browser.navigate().refresh();
        WebElement delivered = waitFor(By.cssSelector("#attempts tr[data-outcome='DELIVERED']"));
        assertThat(delivered.getText()).contains("200");
        assertThat(browser.findElement(By.cssSelector("[data-fact='Stage']")).getText()).isEqualTo("complete");
    }

    @Test
    @Order(2)
    void aFileNamedWithMarkupShowsAsTextAndRunsNothing() {
        browser.get(bundle.apiUrl("/console/") + "#/stage/fail-named/hook/failed");
        WebElement link = waitFor(By.cssSelector("tr[data-item='" + markup + "'] a.file-link"));

        assertThat(link.getText()).isEqualTo(MARKUP_NAME);
        assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        link.click();
        assertThat(waitFor(By.id("file-name")).getText()).isEqualTo(MARKUP_NAME);
        assertThat(browser.findElements(By.cssSelector("main img"))).isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }

    @Test
    @Order(3)
    void aWorkersKeyIsOfferedNoPauseAndNoOtherAction() {
        String workerKey = PayloadSchema.read(bundle.post("/api/keys", "{\"name\": \"console-worker\", \"role\": \"worker\"}")
                .body()).get("key").asText();
        browser.get(bundle.apiUrl("/console/"));
        if (!browser.findElements(By.id("sign-out")).isEmpty() && browser.findElement(By.id("sign-out")).isDisplayed()) {
            browser.findElement(By.id("sign-out")).click();
        }
        signIn(workerKey);
        waitFor(By.cssSelector("[data-stage='fail-named/hook'] [data-count='failed']"));
        assertThat(browser.findElement(By.id("whoami")).getText()).contains("console-worker").contains("worker");
        assertThat(browser.findElements(By.cssSelector("button.pause"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("button.resume"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("button.ping"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("button.redeliver-since"))).isEmpty();
        // the admin sees the pause button on the same page
        browser.findElement(By.id("sign-out")).click();
        signIn(BundleUnderTest.ADMIN_KEY);
        waitFor(By.cssSelector("[data-stage='fail-named/hook'] button.pause"));
    }

    @Test
    @Order(4)
    void aWrongKeyIsRefusedAndTheKeyIsNeverShown() {
        browser.get(bundle.apiUrl("/console/"));
        if (browser.findElement(By.id("sign-out")).isDisplayed()) {
            browser.findElement(By.id("sign-out")).click();
        }
        signIn("not-a-key");
        assertThat(waitFor(By.id("sign-in-error")).getText()).contains("unknown or revoked");
        signIn(BundleUnderTest.ADMIN_KEY);
        waitFor(By.cssSelector("[data-stage='fail-named/hook']"));
        assertThat(browser.getPageSource()).doesNotContain(BundleUnderTest.ADMIN_KEY);
    }

    private static void signIn(String key) {
        if (!browser.getCurrentUrl().contains("/console/")) {
            browser.get(bundle.apiUrl("/console/"));
        }
        WebElement input = waitFor(By.id("api-key"));
        input.clear();
        input.sendKeys(key);
        browser.findElement(By.id("sign-in")).click();
    }

    private static WebElement card(By selector) {
        return browser.findElement(selector);
    }

    private static WebElement waitFor(By selector) {
        return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(selector));
    }
}
