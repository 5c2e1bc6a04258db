package com.annoflow.webhookstage.endpointhealth;

import java.time.Duration;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * Engine route: probes the endpoints of paused stages (a ping, moving no file) once per probe interval, and picks up
 * pauses and resumes that operators made through another instance.
 */
public final class EndpointHealthRoutes extends RouteBuilder {

    private final StageCircuits circuits;
    private final StageCircuits.Prober prober;
    private final Duration tick;

    public EndpointHealthRoutes(StageCircuits circuits, StageCircuits.Prober prober, Duration probeInterval) {
        this.circuits = circuits;
        this.prober = prober;
        // tick faster than the probe interval so a probe is never late by more than a few seconds
        this.tick = probeInterval.compareTo(Duration.ofSeconds(5)) < 0 ? probeInterval : Duration.ofSeconds(5);
    }

    @Override
    public void configure() {
        from("scheduler:endpoint-probe?initialDelay=" + tick.toMillis() + "&delay=" + tick.toMillis())
                .routeId("endpoint-probe")
                .onException(Exception.class).handled(true)
                    .log(LoggingLevel.WARN, "webhook.endpoint-health", "endpoint probe skipped: ${exception.message}")
                .end()
                .process(exchange -> circuits.probeDue(prober));
    }
}
