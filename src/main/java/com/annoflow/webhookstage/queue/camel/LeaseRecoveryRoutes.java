package com.annoflow.webhookstage.queue.camel;

import java.time.Clock;
import java.time.Duration;

import com.annoflow.webhookstage.metrics.WebhookMetrics;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.storage.Storage;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * Engine route: a file whose lease expired (its instance died or hung mid-delivery) goes back to the queue with its
 * attempts and delivery id kept, so it resumes where it stopped and is never stuck.
 */
public final class LeaseRecoveryRoutes extends RouteBuilder {

    private final Clock clock;
    private final Duration interval;
    private final String instanceId;
    private final WebhookMetrics metrics;

    public LeaseRecoveryRoutes(Clock clock, Duration interval, String instanceId, WebhookMetrics metrics) {
        this.metrics = metrics;
        this.clock = clock;
        this.interval = interval;
        this.instanceId = instanceId;
    }

    @Override
    public void configure() {
        from("quartz://webhook/lease-recovery?stateful=true&trigger.repeatInterval=" + interval.toMillis())
                .routeId("lease-recovery")
                // the run's scheduled time (epoch ms): with several instances, one trigger's runs share one grid
                .log(LoggingLevel.DEBUG, "webhook.jobs",
                        "lease-recovery runs on " + instanceId + " for ${header.scheduledFireTime.time}")
                .setHeader("now", () -> Storage.utc(clock.instant()))
                // its interrupted attempt counts: WAITING, due at once (its due time is in the past), attempts and delivery id kept
                .to("sql:UPDATE assignment SET status = " + AssignmentQueue.releasedStatus("attempts")
                    + ", lease_owner = NULL, lease_expires_at = NULL, due_at = COALESCE(due_at, :#now), updated_at = :#now"
                    + " WHERE status = 'SENDING' AND lease_expires_at < :#now?dataSource=#webhookDataSource")
                .filter(header("CamelSqlUpdateCount").isGreaterThan(0))
                    .process(e -> metrics.leasesRecovered(e.getMessage().getHeader("CamelSqlUpdateCount", Integer.class)))
                    .log(LoggingLevel.WARN, "webhook.queue",
                            "${header.CamelSqlUpdateCount} file(s) whose lease expired went back to the queue");
    }
}
