package com.annoflow.webhookstage.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Moves the bundle's data from one database to another, e.g. from the embedded HSQLDB file database to PostgreSQL:
 * the target's schema is created (the same changelog), every table of the bundle is copied row by row in one
 * transaction, identity sequences continue after the copied ids, and the row counts are compared. The target must hold
 * no files yet; the source must not be in use (stop the bundle first: HSQLDB's file lock says so if it still runs).
 * Files waiting for a retry keep their due times, attempts and delivery ids; files an attempt was sending when the
 * bundle stopped are handed back by lease recovery on the new database.
 *
 * <pre>
 * java -cp "target/classes:$(cat target/bundle-classpath.txt)" com.annoflow.webhookstage.storage.DatabaseCopy \
 *   --from jdbc:hsqldb:file:data/webhook --to jdbc:postgresql://db:5432/webhook --to-user webhook
 *   # passwords: WEBHOOK_COPY_FROM_PASSWORD, WEBHOOK_COPY_TO_PASSWORD (never on the command line)
 * </pre>
 */
public final class DatabaseCopy {

    /** The bundle's tables, parents before children (the foreign keys' order). */
    static final List<String> TABLES = List.of("workflow", "stage", "stage_edge", "file", "file_slot", "slot_source_file",
            "annotation", "assignment", "delivery_attempt", "stage_transition", "api_key", "stage_pause", "stage_passed");
    /** Tables whose {@code id} is generated: their sequences continue after the copied ids. */
    static final List<String> GENERATED_IDS = List.of("stage", "delivery_attempt", "stage_transition");
    private static final int BATCH = 1000;

    private DatabaseCopy() {
    }

    /** Copies every row; answers the rows copied per table. */
    public static Map<String, Long> copy(Storage from, Storage to) throws SQLException {
        to.migrate();
        Long files = to.jdbc().queryForObject("SELECT COUNT(*) FROM file", Long.class);
        if (files != null && files > 0) {
            throw new IllegalStateException("the target database already holds " + files + " file(s): copy into a new,"
                                            + " empty database (the bundle creates its schema there at the first start)");
        }
        Map<String, Long> copied = new LinkedHashMap<>();
        try (Connection source = from.dataSource().getConnection(); Connection target = to.dataSource().getConnection()) {
            source.setReadOnly(true);
            target.setAutoCommit(false);
            try {
                // the schema's own rows (workflows and stages synced at the first start) give way to the source's
                for (int i = TABLES.size() - 1; i >= 0; i--) {
                    try (Statement clear = target.createStatement()) {
                        clear.executeUpdate("DELETE FROM " + TABLES.get(i));
                    }
                }
                for (String table : TABLES) {
                    copied.put(table, copyTable(source, target, table));
                }
                if (to.isPostgres()) {
                    for (String table : GENERATED_IDS) {
                        try (Statement sequence = target.createStatement()) {
                            sequence.execute("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'),"
                                             + " COALESCE((SELECT MAX(id) FROM " + table + "), 0) + 1, false)");
                        }
                    }
                } else {
                    for (String table : GENERATED_IDS) {
                        try (Statement next = target.createStatement();
                                ResultSet max = next.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM " + table)) {
                            max.next();
                            long restart = max.getLong(1);
                            try (Statement restartAt = target.createStatement()) {
                                restartAt.execute("ALTER TABLE " + table + " ALTER COLUMN id RESTART WITH " + restart);
                            }
                        }
                    }
                }
                target.commit();
            } catch (SQLException | RuntimeException e) {
                target.rollback();
                throw e;
            }
        }
        for (String table : TABLES) {
            Long there = to.jdbc().queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
            if (!copied.get(table).equals(there)) {
                throw new IllegalStateException(table + ": copied " + copied.get(table) + " rows, the target holds " + there);
            }
        }
        return copied;
    }

    private static long copyTable(Connection source, Connection target, String table) throws SQLException {
        long rows = 0;
        try (Statement read = source.createStatement();
                ResultSet rs = read.executeQuery("SELECT * FROM " + table)) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            for (int c = 1; c <= meta.getColumnCount(); c++) {
                columns.add(meta.getColumnName(c).toLowerCase(Locale.ROOT));
            }
            String insert = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                            + String.join(", ", columns.stream().map(c -> "?").toList()) + ")";
            try (PreparedStatement write = target.prepareStatement(insert)) {
                while (rs.next()) {
                    for (int c = 1; c <= columns.size(); c++) {
                        int type = meta.getColumnType(c);
                        Object value = type == java.sql.Types.CLOB ? rs.getString(c)
                                : type == java.sql.Types.TIMESTAMP_WITH_TIMEZONE ? rs.getObject(c, java.time.OffsetDateTime.class)
                                : rs.getObject(c);
                        write.setObject(c, value);
                    }
                    write.addBatch();
                    if (++rows % BATCH == 0) {
                        write.executeBatch();
                    }
                }
                write.executeBatch();
            }
        }
        return rows;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        String fromUrl = options.get("--from");
        String toUrl = options.get("--to");
        if (fromUrl == null || toUrl == null || args.length % 2 != 0) {
            System.err.println("usage: DatabaseCopy --from <jdbc url> [--from-user <user>] --to <jdbc url> [--to-user <user>]"
                               + "\n  passwords from WEBHOOK_COPY_FROM_PASSWORD and WEBHOOK_COPY_TO_PASSWORD");
            System.exit(2);
        }
        try (Storage from = new Storage(fromUrl, options.getOrDefault("--from-user", "SA"),
                env("WEBHOOK_COPY_FROM_PASSWORD"), 2);
                Storage to = new Storage(toUrl, options.getOrDefault("--to-user", "postgres"), env("WEBHOOK_COPY_TO_PASSWORD"), 2)) {
            from.start();
            to.start();
            Map<String, Long> copied = copy(from, to);
            copied.forEach((table, rows) -> System.out.printf(Locale.ROOT, "%-18s %,d rows%n", table, rows));
            System.out.println("Copied. Point webhook.db.url (WEBHOOK_DB_URL) at " + toUrl + " and start the bundle.");
        }
    }

    private static String env(String name) {
        String value = System.getenv(name);
        return value == null ? "" : value;
    }
}
