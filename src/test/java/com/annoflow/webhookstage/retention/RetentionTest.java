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

/** The retention job deletes delivery-log and transition rows older than the configured age, and nothing else. */
class RetentionTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.retention.keep", "720h")
            .with("webhook.retention.interval", "1s")
            // smaller than the rows to purge, so the job has to go round in batches
            .with("webhook.retention.batch-size", "2");

    @Test
    void rowsOlderThanTheRetentionAgeArePurgedAndNewerOnesAndTheQueueAreKept() {
        List<String> old = List.of(TestFiles.newId(), TestFiles.newId(), TestFiles.newId());
        String recent = TestFiles.newId();
        for (String id : List.of(old.get(0), old.get(1), old.get(2), recent)) {
            bundle.post("/api/files", TestFiles.registration(id));
        }
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", old.get(0), old.get(1), old.get(2), recent));
        await().atMost(Duration.ofSeconds(20)).until(() -> List.of(old.get(0), old.get(1), old.get(2), recent).stream()
                .allMatch(id -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id))));
        // a file long in a complete stage: files are removed only with webhook.retention.complete-files-after (off here)
        String longComplete = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(longComplete));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "complete", longComplete));
        bundle.jdbc().update("UPDATE assignment SET assigned_at = ? WHERE item_id = ?", OffsetDateTime.now().minusDays(400),
                longComplete);
        double purgedBefore = bundle.metric("webhook_retention_purged_total", "table=\"stage_transition\"");

        // counted before they age: the job runs every second and may purge them as soon as they are old
        int oldTransitions = count("stage_transition", old);
        assertThat(oldTransitions).isGreaterThan(2); // more than one batch
        // 31 days pass for the first three files' history (the retention age is 30 days)
        OffsetDateTime longAgo = OffsetDateTime.now().minusDays(31);
        for (String id : old) {
            bundle.jdbc().update("UPDATE delivery_attempt SET attempted_at = ? WHERE item_id = ?", longAgo, id);
            bundle.jdbc().update("UPDATE stage_transition SET moved_at = ? WHERE item_id = ?", longAgo, id);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> count("stage_transition", old) == 0
                                                           && count("delivery_attempt", old) == 0);

        assertThat(count("delivery_attempt", List.of(recent))).isEqualTo(1);
        assertThat(count("stage_transition", List.of(recent))).isEqualTo(2); // assigned, delivered
        // the files themselves, where they are, and the mark that they passed the webhook stage stay
        assertThat(old).allMatch(id -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(count("stage_passed", old)).isEqualTo(3);
        assertThat(bundle.stageOf(longComplete)).isEqualTo("flow/complete ASSIGNED");
        // so a worker may still self-assign them: they passed the webhook stage before annotate, history or not
        String workerKey = com.annoflow.webhookstage.support.PayloadSchema.read(
                bundle.post("/api/keys", "{\"name\": \"worker-1\", \"role\": \"worker\"}").body()).get("key").asText();
        var selfAssigned = bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", old.get(0)), workerKey);
        assertThat(selfAssigned.statusCode()).as(selfAssigned.body()).isEqualTo(200);
        assertThat(bundle.metric("webhook_retention_purged_total", "table=\"stage_transition\""))
                .isGreaterThanOrEqualTo(purgedBefore + oldTransitions);
    }

    private static int count(String table, List<String> itemIds) {
        return itemIds.stream().mapToInt(id -> bundle.jdbc().queryForObject(
                "SELECT COUNT(*) FROM " + table + " WHERE item_id = ?", Integer.class, id)).sum();
    }
}
