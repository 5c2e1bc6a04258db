package com.annoflow.webhookstage.retention;

import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * Engine route: a Quartz job (clustered on PostgreSQL, so one instance runs it) that purges old delivery-log and
 * transition rows every {@code webhook.retention.interval}.
 */
public final class RetentionRoutes extends RouteBuilder {

    private final RetentionPurge purge;
    private final RetentionSettings settings;
    private final MeterRegistry meters;

    public RetentionRoutes(RetentionPurge purge, RetentionSettings settings, MeterRegistry meters) {
        this.purge = purge;
        this.settings = settings;
        this.meters = meters;
    }

    @Override
    public void configure() {
        from("quartz://webhook/retention?stateful=true&trigger.repeatInterval=" + settings.interval().toMillis())
                .routeId("retention")
                .onException(Exception.class).handled(true)
                    .log(LoggingLevel.WARN, "webhook.retention", "retention purge stopped: ${exception.message}; it runs"
                                                                 + " again in " + settings.interval().toMinutes() + " min")
                .end()
                .process(exchange -> {
                    Map<String, Integer> deleted = purge.purge();
                    deleted.forEach((table, rows) -> Counter.builder("webhook.retention.purged")
                            .description("Rows deleted by the retention job").tag("table", table)
                            .register(meters).increment(rows));
                    exchange.getMessage().setBody(deleted);
                })
                .filter(simple("${body[delivery_attempt]} > 0 || ${body[stage_transition]} > 0"))
                    .log(LoggingLevel.INFO, "webhook.retention", "retention purged rows older than " + settings.keep()
                                                                 + ": ${body[delivery_attempt]} delivery attempt(s),"
                                                                 + " ${body[stage_transition]} transition(s)");
    }
}
