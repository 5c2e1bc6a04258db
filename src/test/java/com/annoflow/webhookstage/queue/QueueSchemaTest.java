package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the queue's statements rely on in the schema: a lease only while a file is being sent (the single-file
 * statements check the holder and the primary key only), and a claim that reads the head of the queue index, never
 * every queued file: on PostgreSQL whatever the statistics say, on HSQLDB in the index's order.
 */
class QueueSchemaTest {

    @Test
    void theSchemaRefusesALeaseOnAFileThatIsNotBeingSent() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).start()) {
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", id));
            assertThat(bundle.stageOf(id)).isEqualTo("flow/annotate ASSIGNED");

            assertThatThrownBy(() -> bundle.jdbc().update("UPDATE assignment SET lease_owner = 'someone' WHERE item_id = ?", id))
                    .isInstanceOf(DataIntegrityViolationException.class)
                    .satisfies(e -> assertThat(e.getMessage().toLowerCase()).contains("ck_assignment_lease_only_while_sending"));
            assertThat(bundle.jdbc().queryForObject("SELECT lease_owner FROM assignment WHERE item_id = ?", String.class, id))
                    .isNull();
        }
    }

    @Test
    void theSchemaRefusesAStatusItDoesNotKnowEvenOneOnlyPaddedWithASpace() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).start()) {
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", id));

            // HSQLDB compares 'QUEUED ' equal to 'QUEUED': a padded status once slipped through a CASE (AssignmentQueue.releasedStatus)
            for (String status : List.of("QUEUED ", "LOST")) {
                assertThatThrownBy(() -> bundle.jdbc().update("UPDATE assignment SET status = ?, due_at = CURRENT_TIMESTAMP"
                                                               + " WHERE item_id = ?", status, id))
                        .as("status '%s'", status).isInstanceOf(DataIntegrityViolationException.class);
            }
        }
    }

    @Test
    void aBurstQueuedAfterTheLastAnalyzeIsClaimedFromTheHeadOfTheQueueIndexNotSortedWhole() {
        assumeTrue(TestDatabase.isPostgres(), "PostgreSQL's planner; HSQLDB claims with its own statements");
        TestDatabase database = TestDatabase.fresh();
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            // started: the schema is migrated
        }
        JdbcTemplate jdbc = database.jdbc();
        long send = jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'", Long.class);
        long annotate = jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'annotate'", Long.class);
        // 20,000 files that people work on, analyzed: the statistics say nothing is queued
        jdbc.update("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)"
                    + " SELECT gen_random_uuid()::text, 'file-' || g, '/', 'My Team', 'my-team', 'Cars', 'cars', now()"
                    + " FROM generate_series(1, 20000) g");
        jdbc.update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, updated_at)"
                    + " SELECT item_id, ?, 'ASSIGNED', 0, now(), now() FROM file", annotate);
        // that passed through the webhook stage before (twice): the queue index holds their old entries until vacuum,
        // and grows far bigger than a (status, ...) index, which deduplicates its equal keys
        for (int pass = 0; pass < 2; pass++) {
            for (String status : List.of("QUEUED", "SENDING", "WAITING", "ASSIGNED")) {
                jdbc.update("UPDATE assignment SET status = ?, due_at = CASE WHEN ? = 'ASSIGNED' THEN NULL ELSE now() END",
                        status, status);
            }
        }
        jdbc.execute("ANALYZE assignment");
        // then a burst of 10,000 is sent to the webhook stage, before any new ANALYZE
        jdbc.update("UPDATE assignment SET stage_id = ?, status = 'QUEUED', due_at = now() WHERE item_id IN"
                    + " (SELECT item_id FROM assignment ORDER BY item_id LIMIT 10000)", send);

        List<String> plan = jdbc.query("EXPLAIN " + PostgresStatements.CLAIM_DUE_FILES, (rs, n) -> rs.getString(1),
                "instance", Timestamp.from(Instant.now()), Timestamp.from(Instant.now()), send,
                Timestamp.from(Instant.now()), 32);

        assertThat(String.join("\n", plan))
                .as("the claim's plan")
                .contains("Index Scan using ix_assignment_due")
                .doesNotContain("Sort");
    }

    @Test
    void hsqldbClaimsTheHeadOfTheQueueInIndexOrderInsteadOfSortingEveryQueuedFile() {
        assumeTrue(!TestDatabase.isPostgres(), "HSQLDB's claim; PostgreSQL claims with one statement (test above)");
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).start()) {
            List<String> plan = bundle.jdbc().query("EXPLAIN PLAN FOR " + PortableStatements.DUE_CANDIDATES,
                    (rs, n) -> rs.getString(1));

            String text = String.join("\n", plan);
            // one part per status (queued, waiting for a retry): each reads the claim index in order
            assertThat(text.split("index=IX_ASSIGNMENT_DUE", -1)).as("the claim's plan: %s", text).hasSize(3);
            // HSQLDB's plan ends an order-by part with "uses index" when the index gives the order (no sort)
            String[] orders = text.split("order by=\\[");
            assertThat(orders).as("the claim's plan: %s", text).hasSize(3);
            assertThat(orders[1]).as("the queued files' order").contains("uses index");
            assertThat(orders[2]).as("the waiting files' order").contains("uses index");
        }
    }
}
