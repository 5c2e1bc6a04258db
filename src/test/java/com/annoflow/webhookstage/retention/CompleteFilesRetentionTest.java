package com.annoflow.webhookstage.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With webhook.retention.complete-files-after set, the retention job removes files that sat in a complete stage longer
 * than that, with everything kept about them; files anywhere else, and newer ones, stay.
 */
class CompleteFilesRetentionTest {

    private static final List<String> TABLES = List.of("file", "file_slot", "slot_source_file", "annotation", "assignment",
            "delivery_attempt", "stage_transition");

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.retention.complete-files-after", "720h")
            .with("webhook.retention.interval", "1s")
            // smaller than the files to remove, so the job goes round in batches
            .with("webhook.retention.batch-size", "2");

    @Test
    void filesThatSatInACompleteStageLongerThanTheAgeAreRemovedAndOthersStay() {
        List<String> old = List.of(TestFiles.newId(), TestFiles.newId(), TestFiles.newId());
        String recent = TestFiles.newId();
        String oldElsewhere = TestFiles.newId();
        List<String> all = List.of(old.get(0), old.get(1), old.get(2), recent, oldElsewhere);
        all.forEach(id -> bundle.post("/api/files", TestFiles.registration(id)));
        // through the webhook stage first, so they have attempts and history, then on to complete
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", all.toArray(String[]::new)));
        await().atMost(Duration.ofSeconds(20)).until(() -> all.stream()
                .allMatch(id -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id))));
        List<String> complete = List.of(old.get(0), old.get(1), old.get(2), recent);
        assertThat(bundle.post("/api/assignments", TestFiles.assignment("flow", "complete", complete.toArray(String[]::new)))
                .statusCode()).isEqualTo(200);
        double removedBefore = bundle.metric("webhook_retention_purged_total", "table=\"file\"");

        // 31 days pass for three of the complete files and for the file in annotate (the age is 30 days)
        OffsetDateTime longAgo = OffsetDateTime.now().minusDays(31);
        for (String id : List.of(old.get(0), old.get(1), old.get(2), oldElsewhere)) {
            bundle.jdbc().update("UPDATE assignment SET assigned_at = ? WHERE item_id = ?", longAgo, id);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> old.stream().allMatch(id -> rows("file", id) == 0));

        assertThat(TABLES).allMatch(table -> old.stream().allMatch(id -> rows(table, id) == 0));
        assertThat(bundle.get("/api/files/" + old.get(0)).statusCode()).isEqualTo(404);
        assertThat(bundle.stageOf(recent)).isEqualTo("flow/complete ASSIGNED");
        assertThat(bundle.stageOf(oldElsewhere)).isEqualTo("flow/annotate ASSIGNED");
        assertThat(TABLES).allMatch(table -> rows(table, recent) > 0 && rows(table, oldElsewhere) > 0);
        assertThat(bundle.metric("webhook_retention_purged_total", "table=\"file\"")).isEqualTo(removedBefore + 3);
    }

    private static int rows(String table, String itemId) {
        return bundle.jdbc().queryForObject("SELECT COUNT(*) FROM " + table + " WHERE item_id = ?", Integer.class, itemId);
    }
}
