package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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
        JdbcTemplate jdbc = twentyThousandFilesInAFreshSchema();
        long send = jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'", Long.class);
        long annotate = jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'annotate'", Long.class);
        // the 20,000 files are worked on by people, analyzed: the statistics say nothing is queued
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
    void aGroupsParksAndMovesFindEachFileByItsPrimaryKeyWhateverTheStatisticsSay() {
        assumeTrue(TestDatabase.isPostgres(), "PostgreSQL's group statements; HSQLDB writes a group as a JDBC batch");
        JdbcTemplate jdbc = twentyThousandFilesInAFreshSchema();
        long send = jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'", Long.class);
        jdbc.update("INSERT INTO assignment (item_id, stage_id, status, attempts, lease_owner, lease_expires_at, assigned_at,"
                    + " updated_at) SELECT item_id, ?, 'SENDING', 1, 'instance', now(), now(), now() FROM file", send);
        jdbc.execute("ANALYZE assignment");
        String[] group = jdbc.queryForList("SELECT item_id FROM assignment ORDER BY item_id LIMIT 200", String.class)
                .toArray(String[]::new);
        String[] owners = new String[group.length];
        Arrays.fill(owners, "instance");

        // EXPLAIN only: nothing is written. A plan made for these 200 files, as a statement's first executions get (a
        // generic plan, made later, expects 10 rows from unnest and looks each one up); with the arrays joined alone it
        // was a hash join over a sequential scan of the table
        List<String> plans = jdbc.execute((Connection connection) -> {
            List<String> both = new ArrayList<>();
            for (String sql : List.of(PostgresStatements.MOVE_ALL, PostgresStatements.PARK_ALL)) {
                try (PreparedStatement explain = connection.prepareStatement("EXPLAIN " + sql)) {
                    explain.setTimestamp(1, Timestamp.from(Instant.now()));
                    explain.setArray(2, connection.createArrayOf("varchar", group));
                    explain.setArray(3, connection.createArrayOf("varchar", owners));
                    boolean move = sql.equals(PostgresStatements.MOVE_ALL);
                    Object[] third = move ? Collections.nCopies(group.length, send).toArray(Long[]::new)
                            : Collections.nCopies(group.length, Instant.now().toString()).toArray(String[]::new);
                    explain.setArray(4, connection.createArrayOf(move ? "bigint" : "varchar", third));
                    explain.setArray(5, connection.createArrayOf("varchar", move
                            ? Collections.nCopies(group.length, "ASSIGNED").toArray(String[]::new)
                            : new String[group.length]));
                    explain.setArray(6, connection.createArrayOf("varchar", group));
                    StringBuilder plan = new StringBuilder();
                    try (ResultSet rows = explain.executeQuery()) {
                        while (rows.next()) {
                            plan.append(rows.getString(1)).append('\n');
                        }
                    }
                    both.add(plan.toString());
                }
            }
            return both;
        });

        for (String plan : plans) {
            assertThat(plan).as("a group statement's plan").contains("pk_assignment")
                    .doesNotContain("Seq Scan on assignment");
        }
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

    /** A fresh database with the bundle's schema (a bundle started once and stopped) and 20,000 files in no stage. */
    private static JdbcTemplate twentyThousandFilesInAFreshSchema() {
        TestDatabase database = TestDatabase.fresh();
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            // started: the schema is migrated
        }
        JdbcTemplate jdbc = database.jdbc();
        jdbc.update("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)"
                    + " SELECT gen_random_uuid()::text, 'file-' || g, '/', 'My Team', 'my-team', 'Cars', 'cars', now()"
                    + " FROM generate_series(1, 20000) g");
        return jdbc;
    }
}
