package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.HsqldbOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import com.annoflow.webhookstage.workflow.PayloadShape;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HSQLDB claim makes its visits from what its candidate select read (attempts, delivery id, trace context), so its
 * conditional update must fail for a file another instance claimed and parked in between: otherwise the file would be
 * sent under a stale attempt count and delivery id. The write "in between" is made by the test, between the two steps
 * of {@link PortableStatements#claim}.
 */
@HsqldbOnly
class AClaimTakesOnlyFilesUnchangedSinceItsSelectTest {

    private static final String OTHER_TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final TestDatabase database = TestDatabase.durable();
    private final List<String> files = new ArrayList<>();
    private Storage storage;
    private StageConfig stage;

    @BeforeEach
    void registerTwoFilesAndQueueThem() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            for (int i = 0; i < 2; i++) {
                String id = TestFiles.newId();
                bundle.post("/api/files", TestFiles.registration(id));
                files.add(id);
            }
        }
        storage = new Storage(database.url(), database.user(), database.password(), 2);
        long stageId = storage.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'",
                Long.class);
        stage = new StageConfig(stageId, "flow", "send", StageType.WEBHOOK, 1, java.net.URI.create("http://127.0.0.1:9/send"),
                null, false, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(1), "annotate", "annotate", "annotate",
                List.of(), 4, 0, PayloadShape.DARWIN_V2, Map.of(), List.of(), null, null, false);
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        for (String id : files) {
            storage.jdbc().update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at,"
                                  + " updated_at) VALUES (?, ?, 'QUEUED', 0, ?, ?, ?)", id, stageId,
                    Storage.utc(at), Storage.utc(at), Storage.utc(at));
        }
    }

    @AfterEach
    void stopStorage() {
        if (storage != null) {
            storage.stop();
        }
    }

    @Test
    void aFileClaimedAndParkedByAnotherInstanceSinceTheSelectIsLeftToItsNextClaim() {
        PortableStatements claims = new PortableStatements(storage, "fence-test", Duration.ofMinutes(5));
        Instant now = Instant.now();
        List<PortableStatements.Candidate> read = claims.candidates(stage, 10, now);
        assertThat(read).extracting(PortableStatements.Candidate::itemId).containsExactlyInAnyOrderElementsOf(files);
        String parkedElsewhere = files.get(0);
        // another instance claimed it (attempt 1, its delivery id), its attempt failed, and it parked it for a retry due now
        storage.jdbc().update("UPDATE assignment SET status = 'WAITING', attempts = 1, delivery_id = 'msg_other',"
                              + " trace_context = ? WHERE item_id = ?", OTHER_TRACE, parkedElsewhere);

        List<Visit> won = claims.take(stage, read, now);

        assertThat(won).extracting(Visit::itemId).containsExactly(files.get(1));
        assertThat(storage.jdbc().queryForMap("SELECT status, attempts, delivery_id, lease_owner FROM assignment"
                                              + " WHERE item_id = ?", parkedElsewhere))
                .as("left as the other instance parked it").containsEntry("STATUS", "WAITING").containsEntry("ATTEMPTS", 1)
                .containsEntry("DELIVERY_ID", "msg_other").containsEntry("LEASE_OWNER", null);
        List<Visit> next = claims.claim(stage, 10, Instant.now());
        assertThat(next).as("its next claim reads it as it is now")
                .containsExactly(new Visit(parkedElsewhere, stage.id(), "msg_other", 1, "fence-test", OTHER_TRACE));
    }
}
