package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When a consumer taking a claimed file wakes the claim: only when a claim was held back because the prefetch was full.
 * During a trickle (a few files per notification) the prefetch always has room, and a wake-up per take made a claim
 * and a lease count per file or two instead of one per notification (the benchmark's latency sweep, docs/benchmarks.md).
 */
class ClaimWakeUpTest {

    private final TestDatabase database = TestDatabase.durable();
    private final List<String> files = new ArrayList<>();
    private final AtomicInteger wakeUps = new AtomicInteger();
    private Storage storage;
    private AssignmentQueue queue;
    private long stage;
    private int assigned;

    @BeforeEach
    void registerFilesWithTheRealBundleThenStopIt() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            for (int i = 0; i < 16; i++) {
                String id = TestFiles.newId();
                bundle.post("/api/files", TestFiles.registration(id));
                files.add(id);
            }
        }
        storage = new Storage(database.url(), database.user(), database.password(), 2);
        stage = storage.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'", Long.class);
        // webhook.concurrency 1: a prefetch of 2, refilled once 1 is free
        queue = new AssignmentQueue(storage, new WorkflowCatalog(List.of(withMaxConcurrency(100))), Clock.systemUTC(), "claim-wake-up-test",
                Duration.ofMinutes(5), 100, 256, 1, wakeUps::incrementAndGet);
    }

    @AfterEach
    void stopStorage() {
        if (storage != null) {
            storage.stop();
        }
    }

    @Test
    void takingAFileFromAPrefetchWithRoomDoesNotWakeTheClaim() {
        queueFiles(1);
        List<Visit> claimed = queue.claim().visits();
        assertThat(claimed).hasSize(1);

        assertThat(queue.startClaimedAttempt(claimed.get(0))).isTrue();

        assertThat(wakeUps).as("wake-ups after a take that left the prefetch with room it already had").hasValue(0);
    }

    @Test
    void takingAFileWakesTheClaimOnceAfterAFullPrefetchHeldAClaimBack() {
        queueFiles(3);
        List<Visit> claimed = queue.claim().visits();
        assertThat(claimed).as("the first claim fills the prefetch of 2").hasSize(2);
        assertThat(queue.claim().visits()).as("held back: the prefetch is full").isEmpty();
        assertThat(wakeUps).hasValue(0);

        queue.startClaimedAttempt(claimed.get(0));
        assertThat(wakeUps).as("half the prefetch free after a held-back claim").hasValue(1);

        queue.startClaimedAttempt(claimed.get(1));
        assertThat(wakeUps).as("no claim was held back since").hasValue(1);
        assertThat(queue.claim().visits()).as("the third file, claimed when woken").hasSize(1);
    }

    @Test
    void aStageClaimsItsMaxConcurrencyAndAReadAheadOfAsManyAgainAtMostHalfTheDeliveryThreads() {
        queueFiles(16);
        // webhook.concurrency 4 (a prefetch of 8): a read-ahead of at most 2
        AssignmentQueue two = new AssignmentQueue(storage, new WorkflowCatalog(List.of(withMaxConcurrency(2))),
                Clock.systemUTC(), "claim-wake-up-test", Duration.ofMinutes(5), 100, 256, 4, wakeUps::incrementAndGet);
        assertThat(two.claim().visits()).as("max_concurrency 2 and a read-ahead of 2").hasSize(4);

        // webhook.concurrency 8 (a prefetch of 16): max_concurrency 6 reads ahead half the threads, 4
        AssignmentQueue six = new AssignmentQueue(storage, new WorkflowCatalog(List.of(withMaxConcurrency(6))),
                Clock.systemUTC(), "claim-wake-up-test-2", Duration.ofMinutes(5), 100, 256, 8, wakeUps::incrementAndGet);
        assertThat(six.claim().visits()).as("max_concurrency 6 and a read-ahead of 4, of the 12 files left").hasSize(10);
    }

    @Test
    void aStageThatReachedItsClaimRoomWakesTheClaimOnceHalfItsReadAheadIsTaken() {
        StageConfig two = withMaxConcurrency(2);
        // a prefetch of 8 (webhook.concurrency 4): only the stage's claim room of 4 (2 and a read-ahead of 2) holds
        // the claim back
        AssignmentQueue limited = new AssignmentQueue(storage, new WorkflowCatalog(List.of(two)), Clock.systemUTC(),
                "claim-wake-up-test", Duration.ofMinutes(5), 100, 256, 4, wakeUps::incrementAndGet);
        queueFiles(6);
        List<Visit> claimed = limited.claim().visits();
        // no second claim finds it at its limit: the claim that reached the limit must arrange the wake-up itself
        assertThat(claimed).as("the stage's claim room").hasSize(4);
        assertThat(wakeUps).hasValue(0);

        limited.release(claimed.get(0));

        assertThat(wakeUps).as("one of its four visits ended: half its read-ahead of 2 is free").hasValue(1);
        assertThat(limited.claim().visits()).as("claimed when woken").hasSize(1);
    }

    @Test
    void aStageHasRoomForAnotherVisitOnceAnAttemptIsOverThoughItsEndIsNotWrittenYet() {
        // max-in-flight 5: the visit whose end is gathered for a group commit keeps its lease and its place there
        AssignmentQueue limited = new AssignmentQueue(storage, new WorkflowCatalog(List.of(withMaxConcurrency(2))),
                Clock.systemUTC(), "claim-wake-up-test", Duration.ofMinutes(5), 100, 5, 4, wakeUps::incrementAndGet);
        queueFiles(6);
        List<Visit> claimed = limited.claim().visits();
        assertThat(claimed).as("the stage's claim room").hasSize(4);
        claimed.forEach(limited::startClaimedAttempt);

        limited.attemptOver(claimed.get(0));

        assertThat(wakeUps).as("one of its attempts is over: half its read-ahead is free").hasValue(1);
        assertThat(statusOf(claimed.get(0))).as("its end is not written: still under this instance's lease").isEqualTo("SENDING");
        assertThat(limited.claim().visits()).as("claimed while the first visit's end waits").hasSize(1);
        limited.attemptOver(claimed.get(1));
        assertThat(limited.claim().visits()).as("webhook.max-in-flight 5 counts visits until their end is written").isEmpty();
    }

    private StageConfig withMaxConcurrency(int maxConcurrency) {
        return new StageConfig(stage, "flow", "send", StageType.WEBHOOK, 1,
                java.net.URI.create("http://127.0.0.1:9/send"), null, false, List.of(Duration.ofSeconds(1)),
                Duration.ofSeconds(1), "annotate", "annotate", "annotate", List.of(), maxConcurrency, 0,
                com.annoflow.webhookstage.workflow.PayloadShape.DARWIN_V2, java.util.Map.of(), List.of(), null, null, false);
    }

    private String statusOf(Visit visit) {
        return storage.jdbc().queryForObject("SELECT status FROM assignment WHERE item_id = ?", String.class, visit.itemId());
    }

    private void queueFiles(int count) {
        for (int i = 0; i < count; i++) {
            Instant at = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(assigned);
            storage.jdbc().update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at,"
                                  + " updated_at) VALUES (?, ?, 'QUEUED', 0, ?, ?, ?)", files.get(assigned++), stage,
                    Storage.utc(at), Storage.utc(at), Storage.utc(at));
        }
    }
}
