package com.annoflow.webhookstage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Locale;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the schema's later changesets do to a database an earlier version of the bundle left behind: a bundle starts,
 * stops, the database is given rows as an earlier version wrote them (and forgets changeset 12), and a bundle starts
 * on it again.
 */
class SchemaUpgradeTest {

    private static TestDatabase database;
    private static Receiver receiver;
    private static BundleUnderTest upgraded;

    @BeforeAll
    static void upgradeADatabaseAnEarlierVersionLeft() {
        database = TestDatabase.durable();
        receiver = new Receiver().start();
        BundleUnderTest.forDeliveryTests(receiver, database).start().close();
        JdbcTemplate jdbc = database.jdbc();
        long stage = jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'", Long.class);
        // as the delivery log stored a target before: scheme, host, port and the whole path
        for (String[] row : new String[][] { { "old", "https://hooks.example.org/hooks/catch/123/tok-9f8e/" },
                { "root", "https://hooks.example.org/" } }) {
            jdbc.update("INSERT INTO delivery_attempt (item_id, stage_id, delivery_id, attempt, url, outcome, duration_ms,"
                        + " attempted_at) VALUES (?, ?, ?, 1, ?, 'DELIVERED', 5, ?)", row[0], stage, "msg_" + row[0], row[1],
                    Storage.utc(Instant.now()));
        }
        jdbc.update("DELETE FROM databasechangelog WHERE id LIKE '12-mask-stored-target-paths%'");
        upgraded = BundleUnderTest.forDeliveryTests(receiver, database).start();
    }

    @AfterAll
    static void stop() {
        upgraded.close();
        receiver.close();
    }

    @Test
    void aDeliveryLogRowWrittenBeforeShowsItsTargetMaskedAfterTheUpgrade() {
        JdbcTemplate jdbc = database.jdbc();
        assertThat(jdbc.queryForObject("SELECT url FROM delivery_attempt WHERE item_id = 'old'", String.class))
                .isEqualTo("https://hooks.example.org/***");
        assertThat(jdbc.queryForObject("SELECT url FROM delivery_attempt WHERE item_id = 'root'", String.class))
                .isEqualTo("https://hooks.example.org/");
    }

    @Test
    void columnsWidenedForTheApiCapsAreStillRequired() throws Exception {
        try (Connection connection = database.jdbc().getDataSource().getConnection()) {
            DatabaseMetaData meta = connection.getMetaData();
            assertThat(column(meta, "file", "name")).isEqualTo("1000 NO");
            assertThat(column(meta, "file", "team_slug")).isEqualTo("1000 NO");
            assertThat(column(meta, "file", "path")).isEqualTo("4000 NO");
            assertThat(column(meta, "file", "workview_url")).isEqualTo("8000 YES");
            assertThat(column(meta, "file_slot", "slot_name")).isEqualTo("1000 NO");
            assertThat(column(meta, "slot_source_file", "file_name")).isEqualTo("1000 NO");
            assertThat(column(meta, "slot_source_file", "url")).isEqualTo("8000 YES");
        }
    }

    /** "size nullable" of a column, whatever case the database keeps names in. */
    private static String column(DatabaseMetaData meta, String table, String column) throws Exception {
        for (String t : new String[] { table, table.toUpperCase(Locale.ROOT) }) {
            try (ResultSet rs = meta.getColumns(null, null, t, null)) {
                while (rs.next()) {
                    if (rs.getString("COLUMN_NAME").equalsIgnoreCase(column)) {
                        return rs.getInt("COLUMN_SIZE") + " " + rs.getString("IS_NULLABLE");
                    }
                }
            }
        }
        return "missing";
    }
}
