package com.annoflow.webhookstage.queue;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.spi.ScheduledPollConsumerScheduler;
import org.apache.camel.support.ScheduledPollConsumer;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The claim route's scheduler: polls every {@code delay} like Camel's default one, and at once when {@link #wake()} is
 * called (PostgreSQL's NOTIFY on a new assignment), so a file does not wait for the next poll. Greedy polling is
 * Camel's own: the poll task keeps claiming while full batches come back.
 */
public final class WakeableScheduler extends ServiceSupport implements ScheduledPollConsumerScheduler {

    private final Semaphore wakeups = new Semaphore(0);
    private CamelContext camelContext;
    private long delayMillis = 1000;
    private long initialDelayMillis = 1000;
    private volatile Runnable task;
    private volatile Thread thread;

    /** Asks for a poll now; several calls before the poll starts make one poll. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    @Override
    public void onInit(Consumer consumer) {
        if (consumer instanceof ScheduledPollConsumer polling) {
            delayMillis = polling.getDelay();
            initialDelayMillis = polling.getInitialDelay();
        }
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
            wakeups.tryAcquire(initialDelayMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return;
        }
        while (thread == Thread.currentThread()) {
            wakeups.drainPermits();
            Runnable current = task;
            if (current != null) {
                current.run();
            }
            try {
                wakeups.tryAcquire(delayMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
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
