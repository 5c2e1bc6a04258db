package com.annoflow.webhookstage.queue.camel;

import java.time.Duration;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.spi.ScheduledPollConsumerScheduler;
import org.apache.camel.support.ScheduledPollConsumer;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The claim route's scheduler: polls every {@code delay} like Camel's default one, at once when {@link #wake()} is
 * called (PostgreSQL's NOTIFY on a file that became due, an assignment through the API, room freed), and at the time
 * {@link #wakeIn} names (a retry parked for less than a minute, a paced stage's next permits), so a file does not
 * wait for the next poll. Greedy polling is Camel's own: the poll task keeps claiming while full batches come back.
 */
public final class WakeableScheduler extends ServiceSupport implements ScheduledPollConsumerScheduler {

    /** Timed polls fall on steps of this much: a file waits at most this long past its due time for its timer. */
    static final Duration TIMER_GRANULARITY = Duration.ofMillis(50);

    private final Object lock = new Object();
    /** guarded by lock: a poll was asked for now */
    private boolean wakeNow;
    /**
     * guarded by lock: the timers asked for (System.nanoTime, on {@link #TIMER_GRANULARITY} steps), earliest first. All
     * are kept, not only the earliest: a file parked after the earliest timer was set still gets its own.
     */
    private final TreeSet<Long> timers = new TreeSet<>();
    private CamelContext camelContext;
    private long delayMillis = 1000;
    private long initialDelayMillis = 1000;
    private volatile Runnable task;
    private volatile Thread thread;
    private final java.util.concurrent.atomic.AtomicLong polls = new java.util.concurrent.atomic.AtomicLong();

    /** How many polls have run since the start (a greedy poll's repeats count as one). */
    public long polls() {
        return polls.get();
    }

    /** Asks for a poll now; several calls before the poll starts make one poll. */
    public void wake() {
        synchronized (lock) {
            wakeNow = true;
            lock.notifyAll();
        }
    }

    /**
     * Asks for a poll after {@code wait}, unless one is asked for sooner; the regular polls go on. The time is rounded up
     * to the next {@link #TIMER_GRANULARITY} step, so the retries of files that failed a few milliseconds apart fall due
     * in one claim instead of one claim each (a claim per failed attempt cost more than the attempt itself).
     */
    public void wakeIn(Duration wait) {
        long at = System.nanoTime() + Math.max(0, wait.toNanos());
        long step = TIMER_GRANULARITY.toNanos();
        long past = Math.floorMod(at, step);
        if (past != 0) {
            at += step - past;
        }
        synchronized (lock) {
            boolean earliest = timers.isEmpty() || at < timers.first();
            if (timers.add(at) && earliest) {
                lock.notifyAll();
            }
        }
    }

    @Override
    public void onInit(Consumer consumer) {
        if (consumer instanceof ScheduledPollConsumer polling) {
            delayMillis = polling.getDelay();
            initialDelayMillis = polling.getInitialDelay();
        }
    }

    /** The regular poll interval and the first poll's delay, as {@link #onInit} reads them from the consumer. */
    void setDelays(long delayMillis, long initialDelayMillis) {
        this.delayMillis = delayMillis;
        this.initialDelayMillis = initialDelayMillis;
    }

    @Override
    public void scheduleTask(Runnable task) {
        this.task = task;
    }

    @Override
    public void unscheduleTask() {
        task = null;
    }

    @Override
    public void startScheduler() {
        if (thread != null) {
            return;
        }
        Thread poller = new Thread(this::loop, "webhook-claim-scheduler");
        poller.setDaemon(true);
        thread = poller;
        poller.start();
    }

    @Override
    public boolean isSchedulerStarted() {
        return thread != null;
    }

    private void loop() {
        try {
            sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(initialDelayMillis));
            while (thread == Thread.currentThread()) {
                synchronized (lock) {
                    wakeNow = false;
                    timers.headSet(System.nanoTime(), true).clear();
                }
                Runnable current = task;
                if (current != null) {
                    current.run();
                    polls.incrementAndGet();
                }
                sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis));
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    /** Waits until {@code pollAt}, a wake-up, or the earliest timer, whichever comes first. */
    private void sleepUntil(long pollAt) throws InterruptedException {
        synchronized (lock) {
            while (!wakeNow && thread == Thread.currentThread()) {
                long left = (timers.isEmpty() ? pollAt : Math.min(pollAt, timers.first())) - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    @Override
    protected void doStop() {
        Thread poller = thread;
        thread = null;
        if (poller != null) {
            poller.interrupt();
        }
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
