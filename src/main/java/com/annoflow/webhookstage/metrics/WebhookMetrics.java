package com.annoflow.webhookstage.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The bundle's own metrics, served by Camel at /observe/metrics (documented in docs/operations.md). Queue gauges read
 * one snapshot of the assignment table, refreshed at most every two seconds however often Prometheus scrapes.
 */
public final class WebhookMetrics {

    private static final Duration SNAPSHOT_AGE = Duration.ofSeconds(2);

    private final MeterRegistry registry;
    private final Storage storage;
    private volatile Map<String, Double> snapshot = Map.of();
    private volatile Instant snapshotAt = Instant.EPOCH;
    private final Clock clock;

    public WebhookMetrics(MeterRegistry registry, Storage storage, WorkflowCatalog catalog, Clock clock) {
        this.registry = registry;
        this.storage = storage;
        this.clock = clock;
        for (StageConfig stage : catalog.stages()) {
            if (!stage.type().isAutomated()) {
                continue;
            }
            for (String status : new String[] { "QUEUED", "SENDING", "WAITING" }) {
                Gauge.builder("webhook.queue.files", () -> value(stage.id() + "/" + status))
                        .description("Files in a webhook stage: due for their first attempt (QUEUED), being sent (SENDING),"
                                     + " waiting for a retry (WAITING)")
                        .tags("workflow", stage.workflow(), "stage", stage.name(), "status", status)
                        .strongReference(true).register(registry);
            }
            Gauge.builder("webhook.queue.oldest.age", () -> value(stage.id() + "/age"))
                    .description("Seconds the oldest file has been waiting in the webhook stage").baseUnit("seconds")
                    .tags("workflow", stage.workflow(), "stage", stage.name())
                    // Micrometer holds a gauge's supplier weakly: without this the lambda is collected and the gauge reads NaN
                    .strongReference(true).register(registry);
            Gauge.builder("webhook.retry.overdue.age", () -> value(stage.id() + "/overdue"))
                    .description("Seconds the longest-overdue file waiting for a retry has been due (0 when none is due);"
                                 + " growing means the stage cannot keep up or is paused")
                    .baseUnit("seconds").tags("workflow", stage.workflow(), "stage", stage.name())
                    .strongReference(true).register(registry);
        }
    }

    /** One attempt's outcome and duration. */
    public void attempt(StageConfig stage, String outcome, long durationMs) {
        Counter.builder("webhook.attempts").description("Delivery attempts by outcome")
                .tags("workflow", stage.workflow(), "stage", stage.name(), "outcome", outcome).register(registry).increment();
        Timer.builder("webhook.attempt.duration").description("Time from request to answer (or error) of one attempt")
                .publishPercentileHistogram().tags("workflow", stage.workflow(), "stage", stage.name()).register(registry)
                .record(Duration.ofMillis(durationMs));
    }

    /** A visit ended: DELIVERED or FAILED. */
    public void visitEnded(StageConfig stage, String outcome) {
        Counter.builder("webhook.deliveries").description("Visits of webhook stages that ended, by outcome")
                .tags("workflow", stage.workflow(), "stage", stage.name(), "outcome", outcome).register(registry).increment();
    }

    public void leasesRecovered(int files) {
        Counter.builder("webhook.leases.recovered").description("Files whose lease expired and that went back to the queue")
                .register(registry).increment(files);
    }

    private double value(String key) {
        if (clock.instant().isAfter(snapshotAt.plus(SNAPSHOT_AGE))) {
            refresh();
        }
        return snapshot.getOrDefault(key, 0.0);
    }

    private synchronized void refresh() {
        if (!clock.instant().isAfter(snapshotAt.plus(SNAPSHOT_AGE))) {
            return;
        }
        Map<String, Double> next = new HashMap<>();
        Instant now = clock.instant();
        try {
            storage.jdbc().query("SELECT stage_id, status, COUNT(*) AS files, MIN(assigned_at) AS oldest,"
                                 + " MIN(due_at) AS earliest_due FROM assignment"
                                 + " WHERE status IN ('QUEUED', 'SENDING', 'WAITING') GROUP BY stage_id, status", rs -> {
                long stage = rs.getLong("stage_id");
                String status = rs.getString("status");
                next.put(stage + "/" + status, (double) rs.getLong("files"));
                Instant oldest = Storage.instant(rs.getObject("oldest"));
                double age = Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0);
                next.merge(stage + "/age", age, Math::max);
                if ("WAITING".equals(status) && rs.getObject("earliest_due") != null) {
                    Instant due = Storage.instant(rs.getObject("earliest_due"));
                    next.put(stage + "/overdue", Math.max(0, Duration.between(due, now).toMillis() / 1000.0));
                }
            });
            snapshot = next;
        } catch (RuntimeException e) {
            // the database is down: health says so; metrics keep their last values
        }
        snapshotAt = clock.instant();
    }
}
