package com.annoflow.webhookstage.tracing;

import java.util.HashMap;
import java.util.Map;

import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.StageConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * One trace per visit, one span per attempt. A visit's first attempt starts its trace with a short "webhook visit" span
 * (ended at once: a visit can last hours and cross instances, so no span stays open); every attempt is a child of it.
 * The visit span's W3C context ({@code traceparent}) is stored with the file's queue row when the visit waits for a
 * retry, so its next attempt joins the same trace on whichever instance claims it. Spans carry the stage, the attempt
 * number, the delivery id, the file id, the outcome and the HTTP status: never a payload, a header, a URL or a secret.
 */
public final class VisitTracing {

    /** Tracing off: no span, no context, nothing stored. */
    public static final VisitTracing OFF = new VisitTracing(OpenTelemetry.noop(), false);

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final boolean on;

    public VisitTracing(OpenTelemetry openTelemetry) {
        this(openTelemetry, true);
    }

    private VisitTracing(OpenTelemetry openTelemetry, boolean on) {
        this.tracer = openTelemetry.getTracer("com.annoflow.webhookstage");
        this.on = on;
    }

    public boolean isOn() {
        return on;
    }

    /** Starts the span of attempt {@code attempt} of the visit, in the visit's trace (started now if it has none). */
    public AttemptSpan startAttempt(Visit visit, StageConfig stage, int attempt) {
        if (!on) {
            return AttemptSpan.NONE;
        }
        Context visitContext = visit.traceContext() == null ? null
                : W3C.extract(Context.root(), Map.of("traceparent", visit.traceContext()), MAP);
        if (visitContext == null || !Span.fromContext(visitContext).getSpanContext().isValid()) {
            Span visitSpan = tracer.spanBuilder("webhook visit").setNoParent().setSpanKind(SpanKind.INTERNAL)
                    .setAttribute("webhook.stage", stage.qualifiedName())
                    .setAttribute("webhook.delivery_id", visit.deliveryId())
                    .setAttribute("webhook.file_id", visit.itemId()).startSpan();
            visitSpan.end();
            visitContext = Context.root().with(visitSpan);
        }
        Span span = tracer.spanBuilder("webhook attempt").setParent(visitContext).setSpanKind(SpanKind.CLIENT)
                .setAttribute("webhook.stage", stage.qualifiedName())
                .setAttribute("webhook.attempt", attempt)
                .setAttribute("webhook.delivery_id", visit.deliveryId())
                .setAttribute("webhook.file_id", visit.itemId()).startSpan();
        return new AttemptSpan(span, traceparent(Span.fromContext(visitContext)));
    }

    static String traceparent(Span span) {
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(Context.root().with(span), carrier, Map::put);
        return carrier.get("traceparent");
    }

    /** An attempt's span; {@link #NONE} when tracing is off. */
    public static final class AttemptSpan {

        public static final AttemptSpan NONE = new AttemptSpan(null, null);

        private final Span span;
        private final String visitContext;

        AttemptSpan(Span span, String visitContext) {
            this.span = span;
            this.visitContext = visitContext;
        }

        /** The visit's trace context, to store with the queue row while the visit waits; null when tracing is off. */
        public String visitContext() {
            return visitContext;
        }

        /** The W3C {@code traceparent} of this attempt, for a receiver that asked for it; null when tracing is off. */
        public String traceparent() {
            return span == null ? null : VisitTracing.traceparent(span);
        }

        /** Ends the span with the attempt's outcome and HTTP status (null when there was no answer). */
        public void end(String outcome, Integer httpStatus) {
            if (span == null) {
                return;
            }
            span.setAttribute("webhook.outcome", outcome);
            if (httpStatus != null) {
                span.setAttribute("http.response.status_code", httpStatus.longValue());
            }
            if (!"DELIVERED".equals(outcome)) {
                span.setStatus(StatusCode.ERROR, outcome);
            }
            span.end();
        }
    }
}
