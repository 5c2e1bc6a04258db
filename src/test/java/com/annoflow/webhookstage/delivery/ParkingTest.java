package com.annoflow.webhookstage.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.annoflow.webhookstage.queue.AssignmentQueue;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failed attempts' files are parked in groups ({@link Parking}) on the real database and queue: every gathered park is
 * written with its attempt row, none is lost when the bundle stops, and a park whose lease was lost leaves the file to
 * its new holder.
 */
class ParkingTest {

    private static final int FILES = 250;

    private final TestDatabase database = TestDatabase.durable();
    private final List<String> files = new ArrayList<>();
    private final List<Duration> wakeUps = new CopyOnWriteArrayList<>();
    private Storage storage;
    private StageConfig stage;
    private AssignmentQueue queue;
    private DeliveryLog log;
    private Parking parking;

    @BeforeEach
    void registerFilesWithTheRealBundleThenStopIt() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            for (int i = 0; i < FILES; i++) {
                files.add(TestFiles.newId());
            }
            bundle.post("/api/files", "{\"files\": [" + String.join(", ", files.stream()
                    .map(id -> TestFiles.file(id, "image_1.jpg", "[]")).toList()) + "]}");
        }
        storage = new Storage(database.url(), database.user(), database.password(), 2);
        long stageId = storage.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'",
                Long.class);
        stage = new StageConfig(stageId, "flow", "send", StageType.WEBHOOK, 1, URI.create("http://127.0.0.1:9/send"), null,
                false, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(1), "annotate", "annotate", "annotate", List.of(),
                FILES, 0, PayloadShape.DARWIN_V2, Map.of(), List.of(), null, null, false);
        queue = new AssignmentQueue(storage, new WorkflowCatalog(List.of(stage)), Clock.systemUTC(), "parking-test",
                Duration.ofMinutes(5), FILES, FILES, FILES, () -> { }, wakeUps::add, Duration.ofSeconds(1));
        log = new DeliveryLog(storage);
        parking = new Parking(queue, log);
    }

    @AfterEach
    void stop() {
        parking.stop();
        if (storage != null) {
            storage.stop();
        }
    }

    @Test
    void everyParkGatheredBeforeAStopIsWrittenWithItsAttemptRowBeforeTheStopEnds() {
        List<Visit> claimed = claimAll();
        Instant due = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        parking.start();

        claimed.forEach(visit -> park(visit, due));
        parking.stop();

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
        parking.park(visit, stage, 1, due, Duration.between(Instant.now(), due), false, log.pending(stage.id(), attempt), null);
    }
}
