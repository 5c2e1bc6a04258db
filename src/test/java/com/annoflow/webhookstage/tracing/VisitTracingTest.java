package com.annoflow.webhookstage.tracing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tracing with OpenTelemetry, read back from the SDK's in-memory exporter: one trace per visit, a span per attempt with
 * the stage, attempt, delivery id, outcome and HTTP status (and nothing secret); the visit's context waits in its queue
 * row between attempts; a stage that asks sends receivers the attempt's W3C traceparent, others do not.
 */
class VisitTracingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AttributeKey<String> FILE = AttributeKey.stringKey("webhook.file_id");

    private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private static final OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .build();

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).withBean(Tracing.BEAN, openTelemetry);

    @AfterAll
    static void closeTheSdk() {
        openTelemetry.close();
    }

    @Test
    void aVisitIsOneTraceWithASpanPerAttemptAndItsContextWaitsInTheQueueRow() {
        String id = TestFiles.newId();
        String scenario = "traced-" + id;
        receiver.wiremock().stubFor(post(urlPathEqualTo("/traced")).withRequestBody(matchingJsonPath("$.item.source_info.item_id",
                equalTo(id))).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("answered once"));
        receiver.wiremock().stubFor(post(urlPathEqualTo("/traced")).withRequestBody(matchingJsonPath("$.item.source_info.item_id",
                equalTo(id))).inScenario(scenario).whenScenarioStateIs("answered once").willReturn(aResponse().withStatus(200)));
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("traced", "hook", id));

        await().atMost(WAIT).until(() -> "traced/hook WAITING".equals(bundle.stageOf(id)));
        String stored = traceContext(id);
        assertThat(stored).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
        await().atMost(WAIT).until(() -> "traced/complete ASSIGNED".equals(bundle.stageOf(id)));
        await().atMost(WAIT).until(() -> ofFile(id).size() == 3);

        List<SpanData> traced = ofFile(id);
        SpanData visit = traced.stream().filter(s -> s.getName().equals("webhook visit")).findFirst().orElseThrow();
        List<SpanData> attempts = traced.stream().filter(s -> s.getName().equals("webhook attempt"))
                .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
        assertThat(attempts).hasSize(2);
        String traceId = visit.getTraceId();
        assertThat(stored).startsWith("00-" + traceId + "-" + visit.getSpanId() + "-");
        assertThat(attempts).allSatisfy(attempt -> {
            assertThat(attempt.getTraceId()).isEqualTo(traceId);
            assertThat(attempt.getParentSpanId()).isEqualTo(visit.getSpanId());
            assertThat(attempt.getAttributes().get(AttributeKey.stringKey("webhook.stage"))).isEqualTo("traced/hook");
            assertThat(attempt.getAttributes().get(AttributeKey.stringKey("webhook.delivery_id"))).startsWith("msg_");
        });
        assertThat(attempts).extracting(a -> a.getAttributes().get(AttributeKey.longKey("webhook.attempt"))).containsExactly(1L, 2L);
        assertThat(attempts).extracting(a -> a.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .containsExactly(500L, 200L);
        assertThat(attempts).extracting(a -> a.getAttributes().get(AttributeKey.stringKey("webhook.outcome")))
                .containsExactly("FAILED", "DELIVERED");
        // nothing that could be a secret or personal data: no URL, no header, no payload
        assertThat(traced).allSatisfy(span -> assertThat(span.getAttributes().asMap().values().toString())
                .doesNotContain(receiver.baseUrl()).doesNotContain("Bearer").doesNotContain("user@example.com")
                .doesNotContain("127.0.0.1"));

        // the receiver got each attempt's own traceparent, in the visit's trace
        List<LoggedRequest> requests = receiver.requestsFor(id);
        assertThat(requests).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(requests.get(i).getHeader("traceparent"))
                    .startsWith("00-" + traceId + "-" + attempts.get(i).getSpanId() + "-");
        }
        // the visit ended: the next visit of the file starts a trace of its own
        assertThat(traceContext(id)).isNull();
    }

    @Test
    void aStageThatDidNotAskSendsNoTraceparentButItsAttemptsAreTraced() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
        await().atMost(WAIT).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        await().atMost(WAIT).until(() -> ofFile(id).size() == 2);

        assertThat(receiver.requestsFor(id)).singleElement().satisfies(r -> assertThat(r.containsHeader("traceparent")).isFalse());
        // delivered at once: nothing was stored for the visit
        assertThat(traceContext(id)).isNull();
    }

    @Test
    void withTracingOffNothingIsTracedSentOrStored() throws Exception {
        try (Receiver quiet = new Receiver().start();
                BundleUnderTest untraced = BundleUnderTest.forDeliveryTests(quiet).start()) {
            String id = TestFiles.newId();
            quiet.wiremock().stubFor(post(urlPathEqualTo("/traced")).willReturn(aResponse().withStatus(500)));
            untraced.post("/api/files", TestFiles.registration(id));
            untraced.post("/api/assignments", TestFiles.assignment("traced", "hook", id));
            await().atMost(WAIT).until(() -> "traced/hook WAITING".equals(untraced.stageOf(id)));
            assertThat(untraced.jdbc().queryForObject("SELECT trace_context FROM assignment WHERE item_id = ?", String.class,
                    id)).isNull();
            assertThat(quiet.requestsFor(id)).allSatisfy(r -> assertThat(r.containsHeader("traceparent")).isFalse());
            assertThat(ofFile(id)).isEmpty();
        }
    }

    private static List<SpanData> ofFile(String itemId) {
        return spans.getFinishedSpanItems().stream().filter(s -> itemId.equals(s.getAttributes().get(FILE))).toList();
    }

    private static String traceContext(String itemId) {
        return bundle.jdbc().queryForObject("SELECT trace_context FROM assignment WHERE item_id = ?", String.class, itemId);
    }
}
