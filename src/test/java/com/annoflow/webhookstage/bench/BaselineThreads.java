package com.annoflow.webhookstage.bench;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/** The baselines' threads: each runs batches until {@code done} says every file moved on (or the limit passes). */
final class BaselineThreads {

    private BaselineThreads() {
    }

    /** @param batch one batch of work; false when it found nothing to do (the thread then waits 5 ms) */
    static void run(String name, int threads, Callable<Boolean> batch, BooleanSupplier done, Duration limit)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                while (!stop.get()) {
                    try {
                        if (!batch.call()) {
                            Thread.sleep(5);
                        }
                    } catch (InterruptedException e) {
                        return null;
                    } catch (Exception e) {
                        System.err.println(name + ": " + e);
                    }
                }
                return null;
            });
        }
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(BenchConfig.PROGRESS_CHECK_MILLIS);
        }
        stop.set(true);
        pool.shutdownNow();
        pool.awaitTermination(30, TimeUnit.SECONDS);
    }
}
