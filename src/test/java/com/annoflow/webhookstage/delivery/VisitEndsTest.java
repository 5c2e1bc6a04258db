package com.annoflow.webhookstage.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import com.annoflow.webhookstage.metrics.WebhookMetrics;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.FileHistory;
import com.annoflow.webhookstage.queue.FileStatus;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import com.annoflow.webhookstage.workflow.PayloadShape;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ends of visits (moves on, parks for a retry) are written in groups ({@link VisitEnds}) on the real database and
 * queue: every gathered end is written with its attempt row, none is lost when the bundle stops, a visit shows as
 * ended only once its group has committed, a full group does not wait, and an end whose lease was lost leaves the file
 * to its new holder.
 */
class VisitEndsTest {

    private static final int FILES = 250;

    private static final TestDatabase database = TestDatabase.durable();
    private static final List<String> files = new ArrayList<>();
    private final List<Duration> wakeUps = new CopyOnWriteArrayList<>();
    private Storage storage;
    private StageConfig stage;
    private StageConfig annotate;
    private AssignmentQueue queue;
    private DeliveryLog log;
    private SimpleMeterRegistry meters;
    private WebhookMetrics metrics;
    private VisitEnds ends;

    @BeforeAll
    static void registerFilesWithTheRealBundleThenStopIt() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            for (int i = 0; i < FILES; i++) {
                files.add(TestFiles.newId());
            }
            bundle.post("/api/files", "{\"files\": [" + String.join(", ", files.stream()
                    .map(id -> TestFiles.file(id, "image_1.jpg", "[]")).toList()) + "]}");
        }
    }

    @BeforeEach
    void startFromFilesInNoStage() {
        storage = new Storage(database.url(), database.user(), database.password(), 2);
        long stageId = storage.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'",
                Long.class);
        stage = new StageConfig(stageId, "flow", "send", StageType.WEBHOOK, 1, URI.create("http://127.0.0.1:9/send"), null,
                false, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(1), "annotate", "annotate", "annotate", List.of(),
                FILES, 0, PayloadShape.DARWIN_V2, Map.of(), List.of(), null, null, false);
        annotate = new StageConfig(storage.jdbc().queryForObject(
                "SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'annotate'", Long.class), "flow", "annotate",
                StageType.ANNOTATE, 2, null, null, false, List.of(), Duration.ofSeconds(1), "complete", "complete",
                "complete", List.of(), 1, 0, PayloadShape.DARWIN_V2, Map.of(), List.of(), null, null, false);
        queue = new AssignmentQueue(storage, new WorkflowCatalog(List.of(stage)), Clock.systemUTC(), "parking-test",
                Duration.ofMinutes(5), FILES, FILES, FILES, () -> { }, wakeUps::add, Duration.ofSeconds(1));
        log = new DeliveryLog(storage);
        meters = new SimpleMeterRegistry();
        metrics = new WebhookMetrics(meters, storage, new WorkflowCatalog(List.of(stage, annotate)), Clock.systemUTC());
        ends = new VisitEnds(queue, log, metrics, Duration.ofMillis(20));
        storage.jdbc().update("DELETE FROM delivery_attempt");
        storage.jdbc().update("DELETE FROM stage_transition");
        storage.jdbc().update("DELETE FROM assignment");
    }

    @AfterEach
    void stop() {
        ends.stop();
        if (storage != null) {
            storage.stop();
        }
    }

    @Test
    void everyParkGatheredBeforeAStopIsWrittenWithItsAttemptRowBeforeTheStopEnds() {
        List<Visit> claimed = claimAll();
        Instant due = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        ends.start();

        claimed.forEach(visit -> park(visit, due));
        ends.stop();

        assertThat(storage.jdbc().queryForList("SELECT status FROM assignment WHERE stage_id = ?", String.class, stage.id()))
                .hasSize(FILES).containsOnly("WAITING");
        assertThat(storage.jdbc().queryForList("SELECT due_at FROM assignment WHERE stage_id = ?", Object.class, stage.id())
                .stream().map(Storage::instant)).containsOnly(due);
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM assignment WHERE lease_owner IS NOT NULL",
                Integer.class)).isZero();
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(DISTINCT item_id) FROM delivery_attempt WHERE attempt = 1"
                                                 + " AND outcome = 'FAILED'", Integer.class)).isEqualTo(FILES);
    }

    @Test
    void aParkWhoseLeaseWasLostLeavesTheFileToItsNewHolderAndStillLogsTheAttempt() {
        List<Visit> claimed = claimAll();
        Visit lost = claimed.get(0);
        storage.jdbc().update("UPDATE assignment SET lease_owner = 'another-instance' WHERE item_id = ?", lost.itemId());

        park(lost, Instant.now().plus(Duration.ofHours(1)));
        park(claimed.get(1), Instant.now().plus(Duration.ofHours(1)));

        assertThat(storage.jdbc().queryForMap("SELECT status, lease_owner FROM assignment WHERE item_id = ?", lost.itemId()))
                .containsEntry(storage.isPostgres() ? "status" : "STATUS", "SENDING")
                .containsEntry(storage.isPostgres() ? "lease_owner" : "LEASE_OWNER", "another-instance");
        assertThat(storage.jdbc().queryForObject("SELECT status FROM assignment WHERE item_id = ?", String.class,
                claimed.get(1).itemId())).isEqualTo("WAITING");
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM delivery_attempt WHERE item_id IN (?, ?)",
                Integer.class, lost.itemId(), claimed.get(1).itemId())).isEqualTo(2);
    }

    @Test
    void aRetryDueBeforeTheNextPollSetsATimerForTheClaim() {
        List<Visit> claimed = claimAll();

        park(claimed.get(0), Instant.now().plus(Duration.ofMillis(300)));
        park(claimed.get(1), Instant.now().plus(Duration.ofMillis(600)));
        park(claimed.get(2), Instant.now().plus(Duration.ofHours(1)));

        assertThat(wakeUps).as("one timer per retry due within the poll interval of a second").hasSize(2)
                .allSatisfy(wait -> assertThat(wait).isLessThan(Duration.ofSeconds(1)));
    }

    @Test
    void movesAndParksGatheredTogetherAreAllWrittenWithTheirTransitionsAndAttemptRowsBeforeTheStopEnds() {
        List<Visit> claimed = claimAll();
        ends = new VisitEnds(queue, log, metrics, Duration.ofHours(1));
        ends.start();
        List<Visit> moved = claimed.subList(0, FILES / 2);
        List<Visit> parked = claimed.subList(FILES / 2, FILES);

        for (int i = 0; i < moved.size(); i++) {
            // interleaved: one group holds both kinds
            moveOn(moved.get(i));
            park(parked.get(i), Instant.now().plus(Duration.ofHours(1)));
        }
        ends.stop();

        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM assignment WHERE stage_id = ? AND status = 'ASSIGNED'",
                Integer.class, annotate.id())).isEqualTo(moved.size());
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM assignment WHERE stage_id = ? AND status = 'WAITING'",
                Integer.class, stage.id())).isEqualTo(parked.size());
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition WHERE from_stage_id = ? AND"
                                                 + " to_stage_id = ? AND reason = 'DELIVERED'", Integer.class, stage.id(),
                annotate.id())).isEqualTo(moved.size());
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM delivery_attempt WHERE outcome = 'DELIVERED'",
                Integer.class)).isEqualTo(moved.size());
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM delivery_attempt WHERE outcome = 'FAILED'",
                Integer.class)).isEqualTo(parked.size());
    }

    @Test
    void aGroupInWhichAnotherInstanceTookSomeFilesWritesEveryOtherFileAndLeavesThoseToTheirNewHolder() {
        // one group of moves and parks, written as one statement each on PostgreSQL: which files came back decides
        List<Visit> claimed = claimAll();
        Instant due = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        List<Visit> lost = new ArrayList<>();
        for (int i = 0; i < claimed.size(); i += 3) {
            lost.add(claimed.get(i));
            storage.jdbc().update("UPDATE assignment SET lease_owner = 'another-instance' WHERE item_id = ?",
                    claimed.get(i).itemId());
        }
        ends = new VisitEnds(queue, log, metrics, Duration.ofHours(1));
        ends.start();
        for (int i = 0; i < claimed.size(); i++) {
            if (i % 2 == 0) {
                moveOn(claimed.get(i));
            } else {
                park(claimed.get(i), due);
            }
        }
        ends.stop();

        for (int i = 0; i < claimed.size(); i++) {
            Visit visit = claimed.get(i);
            Map<String, Object> row = storage.jdbc().queryForMap("SELECT stage_id, status, lease_owner, due_at FROM assignment"
                                                                 + " WHERE item_id = ?", visit.itemId());
            Map<String, Object> columns = new HashMap<>();
            row.forEach((name, value) -> columns.put(name.toLowerCase(Locale.ROOT), value));
            if (lost.contains(visit)) {
                assertThat(columns).as("file %d, taken by another instance", i).containsEntry("status", "SENDING")
                        .containsEntry("lease_owner", "another-instance");
            } else if (i % 2 == 0) {
                assertThat(columns).as("file %d, moved", i).containsEntry("status", "ASSIGNED")
                        .containsEntry("lease_owner", null);
                assertThat(((Number) columns.get("stage_id")).longValue()).isEqualTo(annotate.id());
            } else {
                assertThat(columns).as("file %d, parked", i).containsEntry("status", "WAITING")
                        .containsEntry("lease_owner", null);
                assertThat(Storage.instant(columns.get("due_at"))).isEqualTo(due);
            }
        }
        long movedAndHeld = IntStream.range(0, claimed.size())
                .filter(i -> i % 2 == 0 && !lost.contains(claimed.get(i))).count();
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition", Long.class))
                .as("a transition for each move that was still held").isEqualTo(movedAndHeld);
        assertThat(ended("DELIVERED")).isEqualTo(movedAndHeld);
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM delivery_attempt", Integer.class))
                .as("every attempt happened, held or not").isEqualTo(claimed.size());
    }

    @Test
    void aMovedFileShowsInItsNextStageOnlyOnceItsGroupHasCommitted() {
        Visit visit = claimAll().get(0);
        FileHistory history = new FileHistory(storage, Clock.systemUTC());
        ends = new VisitEnds(queue, log, metrics, Duration.ofMillis(1000));
        ends.start();

        moveOn(visit);

        FileStatus before = history.status(visit.itemId()).orElseThrow();
        assertThat(before.stage() + " " + before.status()).as("what the API shows before the commit").isEqualTo("send SENDING");
        assertThat(before.history()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> "annotate".equals(history.status(visit.itemId()).orElseThrow().stage()));
        FileStatus after = history.status(visit.itemId()).orElseThrow();
        assertThat(after.status()).isEqualTo("ASSIGNED");
        assertThat(after.history()).extracting(FileStatus.Transition::reason).containsExactly("DELIVERED");
        assertThat(after.history().get(0).deliveryId()).isEqualTo(visit.deliveryId());
    }

    @Test
    void aVisitCountsAsEndedInTheMetricsOnlyOnceItsMoveHasCommitted() {
        List<Visit> claimed = claimAll();
        ends = new VisitEnds(queue, log, metrics, Duration.ofHours(1));
        ends.start();

        moveOn(claimed.get(0));
        moveOn(claimed.get(1));
        ends.moveOn(claimed.get(2), stage, annotate, "FAILED", "HTTP 503 after 2 attempt(s)", null);

        assertThat(ended("DELIVERED") + ended("FAILED")).as("gathered, not yet written").isZero();
        ends.stop();
        assertThat(ended("DELIVERED")).isEqualTo(2);
        assertThat(ended("FAILED")).isEqualTo(1);
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM assignment WHERE stage_id = ?", Integer.class,
                annotate.id())).as("what the metric counts is in the database").isEqualTo(3);
    }

    @Test
    void aMoveWhoseLeaseWasLostIsNotCountedAsEnded() {
        List<Visit> claimed = claimAll();
        storage.jdbc().update("UPDATE assignment SET lease_owner = 'another-instance' WHERE item_id = ?",
                claimed.get(0).itemId());

        moveOn(claimed.get(0));
        moveOn(claimed.get(1));

        assertThat(ended("DELIVERED")).as("only the move this instance could write").isEqualTo(1);
    }

    @Test
    void aFullGroupIsWrittenWithoutWaitingForItsGatheringToEnd() {
        List<Visit> claimed = claimAll();
        ends = new VisitEnds(queue, log, metrics, Duration.ofHours(1));
        ends.start();

        claimed.subList(0, VisitEnds.MOST_PER_GROUP).forEach(this::moveOn);

        await().atMost(Duration.ofSeconds(10)).until(() -> storage.jdbc().queryForObject(
                "SELECT COUNT(*) FROM assignment WHERE stage_id = ?", Integer.class, annotate.id()) == VisitEnds.MOST_PER_GROUP);
        moveOn(claimed.get(VisitEnds.MOST_PER_GROUP));
        assertThat(storage.jdbc().queryForObject("SELECT status FROM assignment WHERE item_id = ?", String.class,
                claimed.get(VisitEnds.MOST_PER_GROUP).itemId())).as("the first of the next group waits for its gathering")
                .isEqualTo("SENDING");
    }

    @Test
    void aMoveWhoseLeaseWasLostLeavesTheFileToItsNewHolderRecordsNoTransitionAndStillLogsTheAttempt() {
        List<Visit> claimed = claimAll();
        Visit lost = claimed.get(0);
        storage.jdbc().update("UPDATE assignment SET lease_owner = 'another-instance' WHERE item_id = ?", lost.itemId());

        moveOn(lost);
        moveOn(claimed.get(1));

        assertThat(storage.jdbc().queryForObject("SELECT stage_id FROM assignment WHERE item_id = ?", Long.class,
                lost.itemId())).isEqualTo(stage.id());
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition WHERE item_id = ?", Integer.class,
                lost.itemId())).isZero();
        assertThat(storage.jdbc().queryForObject("SELECT stage_id FROM assignment WHERE item_id = ?", Long.class,
                claimed.get(1).itemId())).isEqualTo(annotate.id());
        assertThat(storage.jdbc().queryForObject("SELECT COUNT(*) FROM delivery_attempt WHERE item_id IN (?, ?)",
                Integer.class, lost.itemId(), claimed.get(1).itemId())).isEqualTo(2);
    }

    /** {@code webhook_deliveries_total} of the stage for one outcome. */
    private double ended(String outcome) {
        return meters.find("webhook.deliveries").tags("stage", stage.name(), "outcome", outcome).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private List<Visit> claimAll() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        for (String id : files) {
            storage.jdbc().update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at,"
                                  + " updated_at) VALUES (?, ?, 'QUEUED', 0, ?, ?, ?)", id, stage.id(),
                    Storage.utc(at), Storage.utc(at), Storage.utc(at));
        }
        List<Visit> claimed = queue.claim().visits();
        assertThat(claimed).hasSize(FILES);
        return claimed;
    }

    private void park(Visit visit, Instant due) {
        DeliveryAttempt attempt = new DeliveryAttempt(visit.itemId(), stage.workflow(), stage.name(), visit.deliveryId(), 1,
                "http://127.0.0.1:9/***", AttemptOutcome.FAILED, 503, 5, "HTTP 503", null, Instant.now());
        ends.park(visit, stage, 1, due, Duration.between(Instant.now(), due), false, log.pending(stage.id(), attempt), null);
    }

    private void moveOn(Visit visit) {
        DeliveryAttempt attempt = new DeliveryAttempt(visit.itemId(), stage.workflow(), stage.name(), visit.deliveryId(), 1,
                "http://127.0.0.1:9/***", AttemptOutcome.DELIVERED, 200, 5, null, null, Instant.now());
        ends.moveOn(visit, stage, annotate, "DELIVERED", null, log.pending(stage.id(), attempt));
    }
}
