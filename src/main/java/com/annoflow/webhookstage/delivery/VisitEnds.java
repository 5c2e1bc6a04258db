package com.annoflow.webhookstage.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.annoflow.webhookstage.metrics.WebhookMetrics;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.RetrySchedule;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the ends of visits in groups (group commit): a file moving on to its next stage (delivered, or failed for
 * good) and a file parked for its retry are gathered, with their attempts' log rows, and written by a thread of their
 * own in one transaction per group ({@code AssignmentQueue.endAll}): one commit for many visits, and no statement on
 * the delivery thread. A group is written {@code gathering} after its first visit ended, or at once when it holds
 * {@link #MOST_PER_GROUP}.
 * <p>
 * Until its group has committed a visit has not ended: its file stays SENDING under this instance's lease, counts
 * against {@code webhook.max-in-flight}, and the API shows it so. Its delivery thread is free, though, so its stage's
 * {@code max_concurrency} room is given back as the end is gathered ({@code AssignmentQueue.attemptOver}). A crash in
 * those milliseconds is a crash during the attempt: the attempt's row is lost and lease recovery makes the file due
 * again with its attempts counted, so a delivered file is sent once more with the same delivery id (at-least-once)
 * and no visit exceeds its budget. On stop every gathered end is written before the
 * leases still held are given back.
 * <p>
 * A visit is counted in {@code webhook_deliveries_total} once its move has committed, not when its answer came: a
 * reader of the metric who then looks at the file finds it in its next stage, and a move that lost its lease (the
 * file is sent again by its new holder) is not counted twice.
 */
public final class VisitEnds extends ServiceSupport {

    /** At most this many visit ends per transaction; a full group is written at once. */
    static final int MOST_PER_GROUP = 200;

    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");

    /** A park for a retry, with what its log line says. */
    private record Parked(AssignmentQueue.Park park, StageConfig stage, int attempt, Duration waited, boolean asked) {
    }

    /** The end of one visit: a park or a move, with its attempt's log row (or null). */
    private record End(Parked park, AssignmentQueue.Move move, DeliveryLog.PendingRow attemptRow) {
    }

    private final AssignmentQueue queue;
    private final DeliveryLog log;
    private final WebhookMetrics metrics;
    private final Duration gathering;
    /**
     * The ends gathered for the next group. Lock-free: with many delivery threads on few cores a lock here was held
     * by a thread the scheduler had just taken off its core, and the others waited 10-30 ms for it (JFR).
     */
    private final Queue<End> gathered = new ConcurrentLinkedQueue<>();
    private final AtomicInteger gatheredCount = new AtomicInteger();
    /** A write of the gathered ends is scheduled and has not taken them yet. */
    private final AtomicBoolean writeAsked = new AtomicBoolean();
    /** Null before start and once stopping. */
    private volatile ScheduledThreadPoolExecutor writer;

    /** @param gathering how long the ends of visits are gathered before they are written (zero: as soon as the writer is free) */
    public VisitEnds(AssignmentQueue queue, DeliveryLog log, WebhookMetrics metrics, Duration gathering) {
        this.queue = queue;
        this.log = log;
        this.metrics = metrics;
        this.gathering = gathering;
    }

    /**
     * The file moves on to {@code target}; {@code attemptRow} (the visit's last attempt's log row, or null) is written
     * with the move.
     */
    public void moveOn(Visit visit, StageConfig from, StageConfig target, String reason, String detail,
            DeliveryLog.PendingRow attemptRow) {
        gather(new End(null, new AssignmentQueue.Move(visit, from, target, reason, detail), attemptRow));
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
        gather(new End(new Parked(new AssignmentQueue.Park(visit, due, traceContext), stage, attempt, wait, asked), null,
                attemptRow));
    }

    private void gather(End end) {
        // the delivery thread is free now: the stage may start another visit while this one's end waits for its group
        queue.attemptOver(end.park() != null ? end.park().park().visit() : end.move().visit());
        gathered.add(end);
        int count = gatheredCount.incrementAndGet();
        ScheduledThreadPoolExecutor thread = writer;
        try {
            if (thread == null) {
                // not started, or stopping: no group to wait for
                writeGathered();
            } else if (count == MOST_PER_GROUP) {
                thread.execute(this::writeGathered);
            } else if (writeAsked.compareAndSet(false, true)) {
                if (gathering.isZero()) {
                    thread.execute(this::writeGathered);
                } else {
                    thread.schedule(this::writeGathered, gathering.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        } catch (RejectedExecutionException stopping) {
            // the writer stopped between the look and the hand-over: the stop writes what is gathered, and so does this
            writeGathered();
        }
    }

    /** Writes every end gathered so far as one group, or several when more than {@link #MOST_PER_GROUP} wait. */
    void writeGathered() {
        writeAsked.set(false);
        List<Parked> parkGroup = new ArrayList<>();
        List<AssignmentQueue.Move> moveGroup = new ArrayList<>();
        List<DeliveryLog.PendingRow> rowGroup = new ArrayList<>();
        End end;
        while ((end = gathered.poll()) != null) {
            gatheredCount.decrementAndGet();
            if (end.park() != null) {
                parkGroup.add(end.park());
            } else {
                moveGroup.add(end.move());
            }
            if (end.attemptRow() != null) {
                rowGroup.add(end.attemptRow());
            }
            if (parkGroup.size() + moveGroup.size() == MOST_PER_GROUP) {
                write(parkGroup, moveGroup, rowGroup);
                parkGroup = new ArrayList<>();
                moveGroup = new ArrayList<>();
                rowGroup = new ArrayList<>();
            }
        }
        if (!parkGroup.isEmpty() || !moveGroup.isEmpty()) {
            write(parkGroup, moveGroup, rowGroup);
        }
    }

    private void write(List<Parked> parkGroup, List<AssignmentQueue.Move> moveGroup, List<DeliveryLog.PendingRow> rowGroup) {
        AssignmentQueue.Ended ended;
        try {
            ended = queue.endAll(parkGroup.stream().map(Parked::park).toList(), moveGroup, () -> log.recordAll(rowGroup));
        } catch (RuntimeException e) {
            LOG.warn("{} visit(s) could not end ({}): each file goes back to the queue when its lease expires, its attempts"
                     + " kept, and is sent again", parkGroup.size() + moveGroup.size(), e.getMessage());
            return;
        }
        for (int i = 0; i < parkGroup.size(); i++) {
            Parked parked = parkGroup.get(i);
            Visit visit = parked.park().visit();
            if (ended.parked()[i]) {
                LOG.info("file {} stage {} delivery {}: attempt {}/{} failed; next attempt in {}{} (at {})",
                        visit.itemId(), parked.stage().qualifiedName(), visit.deliveryId(), parked.attempt(),
                        parked.stage().attemptBudget(), RetrySchedule.roughly(parked.waited()),
                        parked.asked() ? " as the receiver's Retry-After asked" : "", parked.park().due());
            } else {
                LOG.warn("file {} stage {}: lost its lease before it could wait for its retry; the instance that holds it"
                         + " now carries on", visit.itemId(), parked.stage().qualifiedName());
            }
        }
        for (int i = 0; i < moveGroup.size(); i++) {
            AssignmentQueue.Move move = moveGroup.get(i);
            if (ended.moved()[i]) {
                metrics.visitEnded(move.from(), move.reason());
            } else {
                LOG.warn("file {} stage {}: lost its lease before it could move on to {}; the instance that holds it now"
                         + " carries on", move.visit().itemId(), move.from().qualifiedName(), move.target().name());
            }
        }
    }

    @Override
    protected void doStart() {
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, task -> {
            Thread named = new Thread(task, "webhook-visit-ends");
            named.setDaemon(true);
            return named;
        });
        // on stop a group still gathering is written by the stop itself, not when its gathering would have ended
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        writer = thread;
    }

    @Override
    protected void doStop() throws InterruptedException {
        ScheduledThreadPoolExecutor thread = writer;
        writer = null;
        if (thread != null) {
            // a group being written is finished; one still gathering is written below
            thread.shutdown();
            thread.awaitTermination(10, TimeUnit.SECONDS);
        }
        // what the writer had not written yet, and what arrived while it stopped
        writeGathered();
    }
}
