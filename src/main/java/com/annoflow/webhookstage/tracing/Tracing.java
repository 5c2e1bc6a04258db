package com.annoflow.webhookstage.tracing;

import java.util.Map;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the bundle's spans go. Off unless {@code webhook.tracing.enabled=true}; then the OpenTelemetry SDK is configured
 * by the standard {@code OTEL_*} environment variables (or {@code otel.*} system properties): the exporter and its
 * endpoint ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, OTLP by default), the sampler, the resource. Only traces are exported;
 * the service name defaults to {@code webhook-stage}. An {@link OpenTelemetry} bound in Camel's registry as
 * {@value #BEAN} is used instead (tests bind one with an in-memory exporter).
 */
public final class Tracing {

    public static final String BEAN = "webhookOpenTelemetry";

    private static final Logger LOG = LoggerFactory.getLogger("webhook.tracing");

    private Tracing() {
    }

    public static VisitTracing of(CamelContext context, boolean enabled) throws Exception {
        OpenTelemetry bound = context.getRegistry().lookupByNameAndType(BEAN, OpenTelemetry.class);
        if (bound != null) {
            return new VisitTracing(bound);
        }
        if (!enabled) {
            return VisitTracing.OFF;
        }
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> Map.of("otel.service.name", "webhook-stage", "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
                .disableShutdownHook()
                .build().getOpenTelemetrySdk();
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                // the spans still buffered go out before the bundle ends
                sdk.close();
            }
        }, true, true);
        LOG.info("Tracing on: one trace per visit, a span per attempt, exported as the OTEL_* settings say");
        return new VisitTracing(sdk);
    }
}
