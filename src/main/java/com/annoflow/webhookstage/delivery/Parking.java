package com.annoflow.webhookstage.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.RetrySchedule;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parks the files of failed attempts in groups: the parks (and the attempts' log rows) gathered over
 * {@link #GATHERING} go to the database in one transaction, written by a thread of their own, so a failed attempt costs
 * its delivery thread no statement and no commit, and a group of them one commit. Until its group is written a file
 * stays SENDING under this instance's lease: a crash then loses only the attempt's log row, and lease recovery hands
 * the file back to the queue with its attempts counted, as for a crash during any attempt. On stop every gathered
 * park is written before the leases are given back.
 */
public final class Parking extends ServiceSupport {

    /** How long parks are gathered before they are written: short next to any retry wait, long enough to group them. */
    static final Duration GATHERING = Duration.ofMillis(20);
    /** At most this many parks per transaction; a full group is written at once. */
    static final int MOST_PER_GROUP = 200;

    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");

    private record Gathered(Visit visit, StageConfig stage, int attempt, Instant due, Duration waited, boolean asked,
            DeliveryLog.PendingRow attemptRow, String traceContext) {
    }

    private final AssignmentQueue queue;
    private final DeliveryLog log;
    private final Object lock = new Object();
    private List<Gathered> gathered = new ArrayList<>();
    private boolean writeAsked;
    /** Guarded by {@link #lock}: null before start and once stopping. */
    private ScheduledExecutorService writer;

    public Parking(AssignmentQueue queue, DeliveryLog log) {
        this.queue = queue;
        this.log = log;
    }

    /**
     * The file waits for its next attempt until {@code due}; {@code attemptRow} (the failed attempt's log row, or null)
     * is written with the park.
     *
     * @param asked whether the wait is the receiver's Retry-After
     * @param traceContext the visit's trace context to keep for its next attempt (null when tracing is off)
     */
    public void park(Visit visit, StageConfig stage, int attempt, Instant due, Duration wait, boolean asked,
            DeliveryLog.PendingRow attemptRow, String traceContext) {
        boolean now = false;
        synchronized (lock) {
            ScheduledExecutorService thread = writer;
            gathered.add(new Gathered(visit, stage, attempt, due, wait, asked, attemptRow, traceContext));
            if (thread == null) {
                now = true;
            } else if (gathered.size() == MOST_PER_GROUP) {
                thread.execute(this::writeGathered);
            } else if (!writeAsked) {
                writeAsked = true;
                thread.schedule(this::writeGathered, GATHERING.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (now) {
            // not started, or stopping: no group to wait for
            writeGathered();
        }
    }

    void writeGathered() {
        List<Gathered> parks;
        synchronized (lock) {
            parks = gathered;
            gathered = new ArrayList<>();
            writeAsked = false;
        }
        for (int from = 0; from < parks.size(); from += MOST_PER_GROUP) {
            write(parks.subList(from, Math.min(parks.size(), from + MOST_PER_GROUP)));
        }
    }

    private void write(List<Gathered> group) {
        List<DeliveryLog.PendingRow> rows = group.stream().map(Gathered::attemptRow).filter(Objects::nonNull).toList();
        boolean[] parked;
        try {
            parked = queue.parkAll(group.stream().map(park -> new AssignmentQueue.Park(park.visit(), park.due(), park.traceContext())).toList(),
                    () -> log.recordAll(rows));
        } catch (RuntimeException e) {
            LOG.warn("{} file(s) could not wait for their retry ({}): each goes back to the queue when its lease expires,"
                     + " its attempts kept", group.size(), e.getMessage());
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            Gathered park = group.get(i);
            if (parked[i]) {
                LOG.info("file {} stage {} delivery {}: attempt {}/{} failed; next attempt in {}{} (at {})",
                        park.visit().itemId(), park.stage().qualifiedName(), park.visit().deliveryId(), park.attempt(),
                        park.stage().attemptBudget(), RetrySchedule.roughly(park.waited()),
                        park.asked() ? " as the receiver's Retry-After asked" : "", park.due());
            } else {
                LOG.warn("file {} stage {}: lost its lease before it could wait for its retry; the instance that holds it"
                         + " now carries on", park.visit().itemId(), park.stage().qualifiedName());
            }
        }
    }

    @Override
    protected void doStart() {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread named = new Thread(task, "webhook-parking");
            named.setDaemon(true);
            return named;
        });
        synchronized (lock) {
            writer = thread;
        }
    }

    @Override
    protected void doStop() throws InterruptedException {
        ScheduledExecutorService thread;
        synchronized (lock) {
            thread = writer;
            writer = null;
        }
        if (thread != null) {
            // a group asked for before this still runs (delayed tasks run after shutdown)
            thread.shutdown();
            thread.awaitTermination(10, TimeUnit.SECONDS);
        }
        // what the writer had not written yet, and what arrived while it stopped
        writeGathered();
    }
}
