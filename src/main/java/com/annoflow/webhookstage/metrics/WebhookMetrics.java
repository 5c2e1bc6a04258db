package com.annoflow.webhookstage.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
    /**
     * The meters of each stage, built once: a Micrometer builder on every attempt made a meter id (tags sorted, hashed)
     * and looked it up in the registry, several times per delivery.
     */
    private final Map<Long, StageMeters> stageMeters = new ConcurrentHashMap<>();

    /** One stage's attempt timer and its counters by outcome (an outcome's counter is made the first time it is seen). */
    private final class StageMeters {
        private final StageConfig stage;
        private final Timer attemptDuration;
        private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
        private final Map<String, Counter> visits = new ConcurrentHashMap<>();

        StageMeters(StageConfig stage) {
            this.stage = stage;
            this.attemptDuration = Timer.builder("webhook.attempt.duration")
                    .description("Time from request to answer (or error) of one attempt").publishPercentileHistogram()
                    .tags("workflow", stage.workflow(), "stage", stage.name()).register(registry);
        }

        Counter attempts(String outcome) {
            return attempts.computeIfAbsent(outcome, o -> Counter.builder("webhook.attempts")
                    .description("Delivery attempts by outcome")
                    .tags("workflow", stage.workflow(), "stage", stage.name(), "outcome", o).register(registry));
        }

        Counter visits(String outcome) {
            return visits.computeIfAbsent(outcome, o -> Counter.builder("webhook.deliveries")
                    .description("Visits of webhook stages that ended, by outcome")
                    .tags("workflow", stage.workflow(), "stage", stage.name(), "outcome", o).register(registry));
        }
    }

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
        StageMeters meters = meters(stage);
        meters.attempts(outcome).increment();
        meters.attemptDuration.record(durationMs, TimeUnit.MILLISECONDS);
    }

    /** A visit ended: DELIVERED or FAILED. */
    public void visitEnded(StageConfig stage, String outcome) {
        meters(stage).visits(outcome).increment();
    }

    private StageMeters meters(StageConfig stage) {
        // the workflow file is read once at start-up: a stage's id, workflow and name do not change while the bundle runs
        return stageMeters.computeIfAbsent(stage.id(), id -> new StageMeters(stage));
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
