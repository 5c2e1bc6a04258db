package com.annoflow.webhookstage.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * The minimal baseline (issue 19): what this machine can do with the same database and receiver and none of the
 * bundle's bookkeeping. A few threads each claim a batch (SKIP LOCKED on PostgreSQL, a conditional update on HSQLDB),
 * POST each file's payload bytes (built once before the measurement, stored in {@code bench_payload}, a table of its
 * own), and move every delivered file of the batch with one batched update and one commit: no attempt log, no history,
 * no lease bookkeeping beyond the claim. Commits are as durable as the bundle's (the same database settings).
 */
final class MinimalBaseline {

    static final String TABLE = "bench_payload";

    private final DataSource dataSource;
    private final boolean postgres;
    private final long stageId;
    private final long nextStageId;
    private final URI url;
    private final int threads;
    private final int batch;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    MinimalBaseline(DataSource dataSource, boolean postgres, long stageId, long nextStageId, URI url, int threads, int batch) {
        this.dataSource = dataSource;
        this.postgres = postgres;
        this.stageId = stageId;
        this.nextStageId = nextStageId;
        this.url = url;
        this.threads = threads;
        this.batch = batch;
    }

    /** Stores each file's payload bytes once, before any measurement: {@code bodies} by item id. */
    static void storePayloads(DataSource dataSource, boolean postgres, Map<String, byte[]> bodies) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
            s.execute("CREATE TABLE " + TABLE + " (item_id VARCHAR(36) PRIMARY KEY, body "
                      + (postgres ? "BYTEA" : "VARBINARY(1000000)") + " NOT NULL)");
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE + " (item_id, body) VALUES (?, ?)")) {
                int n = 0;
                for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
                    insert.setString(1, body.getKey());
                    insert.setBytes(2, body.getValue());
                    insert.addBatch();
                    if (++n % 1000 == 0) {
                        insert.executeBatch();
                    }
                }
                if (n % 1000 != 0) {
                    // HSQLDB refuses to run an empty batch
                    insert.executeBatch();
                }
            }
            c.commit();
        }
    }

    /** Runs until {@code done} says every file moved on. */
    void run(BooleanSupplier done, Duration limit) throws InterruptedException {
        BaselineThreads.run("minimal baseline", threads, this::claimSendAndMove, done, limit);
    }

    /** One batch: claim, send each, move the delivered ones in one statement batch and one commit. */
    private boolean claimSendAndMove() throws Exception {
        Map<String, byte[]> claimed = claim();
        if (claimed.isEmpty()) {
            return false;
        }
        List<String> delivered = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : claimed.entrySet()) {
            boolean ok;
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(file.getValue())).build(),
                        HttpResponse.BodyHandlers.discarding());
                ok = response.statusCode() / 100 == 2;
            } catch (java.io.IOException e) {
                // the JDK client now and then fails a kept-alive request (field notes): back to the queue, sent again
                ok = false;
            }
            (ok ? delivered : failed).add(file.getKey());
        }
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement move = c.prepareStatement("UPDATE assignment SET stage_id = ?, status = 'ASSIGNED',"
                    + " lease_owner = NULL, lease_expires_at = NULL, assigned_at = ?, due_at = NULL, updated_at = ?"
                    + " WHERE item_id = ?");
                    PreparedStatement back = c.prepareStatement("UPDATE assignment SET status = 'QUEUED', lease_owner = NULL,"
                            + " lease_expires_at = NULL, updated_at = ? WHERE item_id = ?")) {
                for (String id : delivered) {
                    move.setLong(1, nextStageId);
                    move.setTimestamp(2, now);
                    move.setTimestamp(3, now);
                    move.setString(4, id);
                    move.addBatch();
                }
                for (String id : failed) {
                    back.setTimestamp(1, now);
                    back.setString(2, id);
                    back.addBatch();
                }
                if (!delivered.isEmpty()) {
                    move.executeBatch();
                }
                if (!failed.isEmpty()) {
                    back.executeBatch();
                }
            }
            c.commit();
        }
        return true;
    }

    /** Claims a batch and reads its payload bytes, on the claim's connection. */
    private Map<String, byte[]> claim() throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        Timestamp lease = Timestamp.from(Instant.now().plusSeconds(300));
        List<String> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            if (postgres) {
                try (PreparedStatement s = c.prepareStatement("UPDATE assignment SET status = 'SENDING', lease_owner = 'min',"
                        + " lease_expires_at = ? WHERE item_id = ANY(ARRAY(SELECT item_id FROM assignment WHERE stage_id = ?"
                        + " AND status IN ('QUEUED', 'WAITING') AND due_at <= ? ORDER BY due_at, item_id LIMIT ?"
                        + " FOR UPDATE SKIP LOCKED)) RETURNING item_id")) {
                    s.setTimestamp(1, lease);
                    s.setLong(2, stageId);
                    s.setTimestamp(3, now);
                    s.setInt(4, batch);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getString(1));
                        }
                    }
                }
            } else {
                List<String> candidates = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement("SELECT item_id FROM assignment WHERE stage_id = ?"
                        + " AND status = 'QUEUED' AND due_at <= ? ORDER BY stage_id, status, due_at, item_id"
                        + " FETCH FIRST ? ROWS ONLY")) {
                    s.setLong(1, stageId);
                    s.setTimestamp(2, now);
                    s.setInt(3, batch);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            candidates.add(rs.getString(1));
                        }
                    }
                }
                if (!candidates.isEmpty()) {
                    try (PreparedStatement s = c.prepareStatement("UPDATE assignment SET status = 'SENDING', lease_owner = 'min',"
                            + " lease_expires_at = ?, delivery_id = COALESCE(delivery_id, ?) WHERE item_id = ?"
                            + " AND status IN ('QUEUED', 'WAITING')")) {
                        for (String id : candidates) {
                            s.setTimestamp(1, lease);
                            s.setString(2, "msg_" + UUID.randomUUID().toString().replace("-", ""));
                            s.setString(3, id);
                            s.addBatch();
                        }
                        int[] counts = s.executeBatch();
                        for (int i = 0; i < counts.length; i++) {
                            if (counts[i] != 0) {
                                ids.add(candidates.get(i));
                            }
                        }
                    }
                }
            }
            Map<String, byte[]> bodies = new HashMap<>();
            if (ids.isEmpty()) {
                return bodies;
            }
            try (PreparedStatement s = c.prepareStatement("SELECT item_id, body FROM " + TABLE + " WHERE item_id IN ("
                    + String.join(", ", ids.stream().map(id -> "?").toList()) + ")")) {
                for (int i = 0; i < ids.size(); i++) {
                    s.setString(i + 1, ids.get(i));
                }
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        bodies.put(rs.getString(1), rs.getBytes(2));
                    }
                }
            }
            return bodies;
        }
    }
}
