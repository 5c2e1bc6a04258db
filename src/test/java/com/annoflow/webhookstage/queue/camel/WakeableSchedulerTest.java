package com.annoflow.webhookstage.queue.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The claim's scheduler polls when a retry falls due, for every retry asked for (not only the earliest), and gathers
 * retries due a few milliseconds apart into one poll. Its regular polls are an hour apart here, so only the timers can
 * explain a poll.
 */
class WakeableSchedulerTest {

    private final WakeableScheduler scheduler = new WakeableScheduler();
    private final List<Long> polls = new CopyOnWriteArrayList<>();

    WakeableSchedulerTest() {
        setDelays(scheduler, Duration.ofHours(1));
        scheduler.scheduleTask(() -> polls.add(System.nanoTime()));
    }

    @AfterEach
    void stop() {
        scheduler.stop();
    }

    @Test
    void aTimerAskedForAfterAnEarlierOneStillFires() {
        scheduler.startScheduler();
        await().atMost(Duration.ofSeconds(5)).until(() -> polls.size() == 1); // the first poll, at start-up
        scheduler.wakeIn(Duration.ofMillis(200));
        scheduler.wakeIn(Duration.ofMillis(600));
        await().atMost(Duration.ofSeconds(5)).until(() -> polls.size() == 3);
        assertThat(Duration.ofNanos(polls.get(2) - polls.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void retriesDueAFewMillisecondsApartFallDueInOnePoll() {
        scheduler.startScheduler();
        await().atMost(Duration.ofSeconds(5)).until(() -> polls.size() == 1);
        long asked = System.nanoTime();
        // twenty retries due within 20 ms of each other, as twenty files that failed together would be
        for (int i = 0; i < 20; i++) {
            scheduler.wakeIn(Duration.ofMillis(300 + i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> polls.size() >= 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> polls.size() <= 3);
        assertThat(polls.size()).as("polls for twenty retries due within 20 ms").isLessThanOrEqualTo(3);
        assertThat(Duration.ofNanos(polls.get(1) - asked)).isGreaterThanOrEqualTo(Duration.ofMillis(300))
                .isLessThan(Duration.ofMillis(300).plus(WakeableScheduler.TIMER_GRANULARITY).plus(Duration.ofMillis(200)));
    }

    private static void setDelays(WakeableScheduler scheduler, Duration delay) {
        scheduler.setDelays(delay.toMillis(), 0);
    }
}
