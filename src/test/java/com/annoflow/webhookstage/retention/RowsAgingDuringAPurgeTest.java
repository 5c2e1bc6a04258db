package com.annoflow.webhookstage.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The mark that a file passed a webhook stage ({@code stage_passed}) is kept before its transition is purged, even when
 * rows cross the retention age while a purge runs. Found in CI: the purge's mark insert and its delete each chose "the
 * oldest batch" on their own, so a row that aged between the two statements with a lower id than the batch (here: a
 * test backdating file by file; in production: a clock step, or rows written with an older time) was deleted unmarked,
 * and a worker could no longer self-assign that file.
 */
class RowsAgingDuringAPurgeTest {

    private static final int FILES = 60;

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.retention.keep", "720h")
            // a purge running all the time, in batches much smaller than the rows that age
            .with("webhook.retention.interval", "20ms")
            .with("webhook.retention.batch-size", "2");

    @Test
    void aTransitionIsPurgedOnlyOnceTheMarkThatItsFilePassedTheWebhookStageIsKept() {
        List<String> files = IntStream.range(0, FILES).mapToObj(i -> TestFiles.newId()).toList();
        files.forEach(id -> bundle.post("/api/files", TestFiles.registration(id)));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", files.toArray(String[]::new)));
        await().atMost(Duration.ofSeconds(30)).until(() -> files.stream()
                .allMatch(id -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id))));

        // 31 days pass for one file after another, the newest rows first: each file that ages has lower ids than the
        // rows already old, so it lands in the middle of whatever batch a running purge has chosen
        List<String> newestFirst = new ArrayList<>(bundle.jdbc().queryForList(
                "SELECT item_id FROM stage_transition WHERE item_id IN (" + String.join(",", files.stream()
                        .map(id -> "'" + id + "'").toList()) + ") GROUP BY item_id ORDER BY MAX(id) DESC", String.class));
        assertThat(newestFirst).hasSize(FILES);
        OffsetDateTime longAgo = OffsetDateTime.now().minusDays(31);
        for (String id : newestFirst) {
            bundle.jdbc().update("UPDATE stage_transition SET moved_at = ? WHERE item_id = ?", longAgo, id);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> files.stream().allMatch(id -> transitions(id) == 0));
        List<String> unmarked = files.stream().filter(id -> bundle.jdbc().queryForObject(
                "SELECT COUNT(*) FROM stage_passed WHERE item_id = ?", Integer.class, id) == 0).toList();
        assertThat(unmarked).as("files whose history was purged without the mark that they passed the webhook stage")
                .isEmpty();
    }

    private static int transitions(String itemId) {
        return bundle.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition WHERE item_id = ?", Integer.class,
                itemId);
    }
}
