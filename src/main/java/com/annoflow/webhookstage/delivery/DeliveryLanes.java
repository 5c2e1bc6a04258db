package com.annoflow.webhookstage.delivery;

import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.LongToIntFunction;

import com.annoflow.webhookstage.payload.ClaimedFile;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import io.github.resilience4j.ratelimiter.RateLimiter;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * The queue between the claim and the delivery threads ({@code seda:webhook-deliveries?queue=#deliveryLanes}): one
 * lane per stage, and a delivery thread takes the next file of the next stage, in turn, that holds fewer than its
 * {@code max_concurrency} delivery threads. A stage's place is taken when a thread takes its file and given back when
 * that thread is done with it (the exchange completes, whatever its outcome).
 * <p>
 * So the claim can read a few files ahead of a stage's room (they wait here, not in the database), and a slow stage's
 * files waiting for its own threads never stand before another stage's files, as they would in one first-in-first-out
 * queue. Files of no stage (not a claimed file) have a lane without a limit.
 * <p>
 * A stage with {@code max_per_second} is also paced here, where its files leave for the receiver: a thread takes a file
 * of that stage only with a permit of the stage's pacer. The claim paces the stage too, but only to claim no further
 * ahead than the stage can send; files that waited here (their stage's threads busy, a slow first connection) would
 * otherwise leave together as soon as threads were free, faster than the receiver's limit (found by
 * {@code StageIsolationTest}: six requests within 30 ms).
 */
public final class DeliveryLanes extends AbstractQueue<Exchange> implements BlockingQueue<Exchange> {

    private static final long NO_STAGE = Long.MIN_VALUE;

    private final LongToIntFunction maxConcurrency;
    private final LongFunction<RateLimiter> pacers;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a file can be taken: one arrived in a lane with room, or a lane with files got room. */
    private final Condition takeable = lock.newCondition();
    private final Map<Long, Lane> lanes = new HashMap<>();
    /** The lanes that hold files, in the order they are served: a lane served goes to the back. */
    private final ArrayDeque<Lane> turns = new ArrayDeque<>();
    private int size;

    private static final class Lane {
        final long stageId;
        /** The stage's pacer ({@code max_per_second}), or null. */
        final RateLimiter pacer;
        final ArrayDeque<Exchange> files = new ArrayDeque<>();
        int sending;

        Lane(long stageId, RateLimiter pacer) {
            this.stageId = stageId;
            this.pacer = pacer;
        }
    }

    public DeliveryLanes(WorkflowCatalog catalog) {
        this(stageId -> {
            StageConfig stage = stageOf(catalog, stageId);
            // a stage missing from the catalog is let through: its delivery finds it missing and hands the file back
            return stage == null ? Integer.MAX_VALUE : stage.maxConcurrency();
        }, stageId -> {
            StageConfig stage = stageOf(catalog, stageId);
            return stage != null && stage.isRateLimited() ? AssignmentQueue.pacer(stage) : null;
        });
    }

    private static StageConfig stageOf(WorkflowCatalog catalog, long stageId) {
        try {
            return catalog.stage(stageId);
        } catch (IllegalStateException notConfigured) {
            return null;
        }
    }

    /**
     * @param maxConcurrency a stage's {@code max_concurrency}, by stage id
     * @param pacers         a new pacer for a stage with {@code max_per_second}, or null, by stage id (asked once per stage)
     */
    public DeliveryLanes(LongToIntFunction maxConcurrency, LongFunction<RateLimiter> pacers) {
        this.maxConcurrency = maxConcurrency;
        this.pacers = pacers;
    }

    private static long stageOf(Exchange exchange) {
        return exchange.getMessage().getBody() instanceof ClaimedFile claimed ? claimed.visit().stageId() : NO_STAGE;
    }

    private boolean hasRoom(Lane lane) {
        return lane.stageId == NO_STAGE || lane.sending < maxConcurrency.applyAsInt(lane.stageId);
    }

    /** Whether a thread could take the lane's next file now: room, and a permit of its pacer (none is used up). */
    private boolean takeableNow(Lane lane) {
        return hasRoom(lane) && (lane.pacer == null || lane.pacer.getMetrics().getAvailablePermissions() > 0);
    }

    @Override
    public boolean offer(Exchange exchange) {
        long stageId = stageOf(exchange);
        lock.lock();
        try {
            Lane lane = lanes.computeIfAbsent(stageId, id -> new Lane(id, id == NO_STAGE ? null : pacers.apply(id)));
            if (lane.files.isEmpty()) {
                turns.addLast(lane);
            }
            lane.files.addLast(exchange);
            size++;
            if (takeableNow(lane)) {
                takeable.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(Exchange exchange) {
        offer(exchange);
    }

    @Override
    public boolean offer(Exchange exchange, long timeout, TimeUnit unit) {
        return offer(exchange);
    }

    @Override
    public Exchange poll() {
        lock.lock();
        try {
            return next();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Exchange poll(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            Exchange exchange;
            while ((exchange = next()) == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                takeable.awaitNanos(Math.min(left, untilAPermit()));
            }
            return exchange;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Exchange take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            Exchange exchange;
            while ((exchange = next()) == null) {
                takeable.awaitNanos(untilAPermit());
            }
            return exchange;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the first file of the first lane in turn with room, or null; under the lock. */
    private Exchange next() {
        Iterator<Lane> it = turns.iterator();
        while (it.hasNext()) {
            Lane lane = it.next();
            if (!hasRoom(lane) || lane.pacer != null && !lane.pacer.acquirePermission()) {
                continue;
            }
            it.remove();
            Exchange exchange = lane.files.removeFirst();
            size--;
            if (!lane.files.isEmpty()) {
                turns.addLast(lane);
            }
            lane.sending++;
            exchange.getExchangeExtension().addOnCompletion(new Done(lane));
            if (anyTakeable()) {
                // more than one became takeable at once (e.g. several files offered): pass the signal on
                takeable.signal();
            }
            return exchange;
        }
        return null;
    }

    private boolean anyTakeable() {
        for (Lane lane : turns) {
            if (takeableNow(lane)) {
                return true;
            }
        }
        return false;
    }

    /**
     * How long a waiting thread may sleep before it looks again: a paced lane's next permit comes with no signal, so
     * while a paced lane has files the wait is at most its pacer's period; otherwise until signalled.
     */
    private long untilAPermit() {
        long wait = Long.MAX_VALUE;
        for (Lane lane : turns) {
            if (lane.pacer != null && hasRoom(lane)) {
                wait = Math.min(wait, lane.pacer.getRateLimiterConfig().getLimitRefreshPeriod().toNanos());
            }
        }
        return wait;
    }

    /** The delivery thread is done with the lane's file: the lane has room for another. */
    private final class Done extends SynchronizationAdapter {
        private final Lane lane;

        Done(Lane lane) {
            this.lane = lane;
        }

        @Override
        public void onDone(Exchange exchange) {
            lock.lock();
            try {
                lane.sending--;
                if (!lane.files.isEmpty() && hasRoom(lane)) {
                    takeable.signal();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The delivery threads a stage holds now (taken files whose exchange has not completed). */
    public int sending(long stageId) {
        lock.lock();
        try {
            Lane lane = lanes.get(stageId);
            return lane == null ? 0 : lane.sending;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Exchange peek() {
        lock.lock();
        try {
            for (Lane lane : turns) {
                if (takeableNow(lane)) {
                    return lane.files.peekFirst();
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int remainingCapacity() {
        return Integer.MAX_VALUE;
    }

    /** A copy of the waiting files, lane after lane in turn (for browsing; removing through it is not supported). */
    @Override
    public Iterator<Exchange> iterator() {
        return waiting().iterator();
    }

    private List<Exchange> waiting() {
        lock.lock();
        try {
            List<Exchange> all = new ArrayList<>(size);
            turns.forEach(lane -> all.addAll(lane.files));
            return List.copyOf(all);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean remove(Object o) {
        if (!(o instanceof Exchange exchange)) {
            return false;
        }
        lock.lock();
        try {
            Lane lane = lanes.get(stageOf(exchange));
            if (lane == null || !lane.files.remove(exchange)) {
                return false;
            }
            size--;
            if (lane.files.isEmpty()) {
                turns.remove(lane);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void clear() {
        lock.lock();
        try {
            turns.forEach(lane -> lane.files.clear());
            turns.clear();
            size = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Moves every file that could be taken now (within each stage's room) to {@code sink}. */
    @Override
    public int drainTo(Collection<? super Exchange> sink) {
        return drainTo(sink, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super Exchange> sink, int most) {
        lock.lock();
        try {
            int moved = 0;
            Exchange exchange;
            while (moved < most && (exchange = next()) != null) {
                sink.add(exchange);
                moved++;
            }
            return moved;
        } finally {
            lock.unlock();
        }
    }
}
