package com.annoflow.webhookstage.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The raw baseline: the same work as the bundle (claim a batch, read the file's metadata, build the JSON payload,
 * POST it, log the attempt and move the file to the next stage in one transaction) with plain JDBC and
 * {@code java.net.http.HttpClient}, no Camel, no retries policy beyond "put it back in the queue". Our stand-in for
 * what this machine can do.
 */
final class RawBaseline {

    private final DataSource dataSource;
    private final boolean postgres;
    private final long stageId;
    private final long nextStageId;
    private final URI url;
    private final int threads;
    private final int batch;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    RawBaseline(DataSource dataSource, boolean postgres, long stageId, long nextStageId, URI url, int threads, int batch) {
        this.dataSource = dataSource;
        this.postgres = postgres;
        this.stageId = stageId;
        this.nextStageId = nextStageId;
        this.url = url;
        this.threads = threads;
        this.batch = batch;
    }

    /** Runs until {@code done} says every file moved on. */
    void run(java.util.function.BooleanSupplier done, Duration limit) throws InterruptedException {
        BaselineThreads.run("baseline", threads, () -> {
            List<String[]> claimed = claim();
            for (String[] visit : claimed) {
                deliver(visit[0], visit[1]);
            }
            return !claimed.isEmpty();
        }, done, limit);
    }

    private List<String[]> claim() throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        Timestamp lease = Timestamp.from(Instant.now().plusSeconds(300));
        List<String[]> claimed = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            if (postgres) {
                try (PreparedStatement s = c.prepareStatement("UPDATE assignment SET status = 'SENDING', lease_owner = 'raw',"
                        + " lease_expires_at = ?, updated_at = ?,"
                        + " delivery_id = COALESCE(delivery_id, 'msg_' || replace(gen_random_uuid()::text, '-', ''))"
                        // the bundle's claim of one stage's due files (PostgresStatements.CLAIM_DUE_FILES)
                        + " WHERE item_id = ANY(ARRAY(SELECT item_id FROM assignment WHERE stage_id = ?"
                        + " AND status IN ('QUEUED', 'WAITING') AND due_at <= ?"
                        + " ORDER BY due_at, item_id LIMIT ? FOR UPDATE SKIP LOCKED)) RETURNING item_id, delivery_id")) {
                    s.setTimestamp(1, lease);
                    s.setTimestamp(2, now);
                    s.setLong(3, stageId);
                    s.setTimestamp(4, now);
                    s.setInt(5, batch);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            claimed.add(new String[] { rs.getString(1), rs.getString(2) });
                        }
                    }
                }
                return claimed;
            }
            List<String> candidates = new ArrayList<>();
            // the bundle's HSQLDB claim order, which reads the head of ix_assignment_due instead of sorting the queue
            // (its files waiting for a retry are claimed the same way, status 'WAITING')
            try (PreparedStatement s = c.prepareStatement("SELECT item_id FROM assignment WHERE stage_id = ? AND status = ?"
                    + " AND due_at <= ? ORDER BY stage_id, status, due_at, item_id FETCH FIRST ? ROWS ONLY")) {
                s.setLong(1, stageId);
                s.setString(2, "QUEUED");
                s.setTimestamp(3, now);
                s.setInt(4, batch);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(rs.getString(1));
                    }
                }
            }
            if (candidates.isEmpty()) {
                return claimed;
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE assignment SET status = 'SENDING', lease_owner = 'raw',"
                    + " lease_expires_at = ?, delivery_id = COALESCE(delivery_id, ?), updated_at = ?"
                    + " WHERE item_id = ? AND status IN ('QUEUED', 'WAITING')")) {
                List<String> ids = new ArrayList<>();
                for (String id : candidates) {
                    String deliveryId = "msg_" + UUID.randomUUID().toString().replace("-", "");
                    s.setTimestamp(1, lease);
                    s.setString(2, deliveryId);
                    s.setTimestamp(3, now);
                    s.setString(4, id);
                    s.addBatch();
                    ids.add(deliveryId);
                }
                int[] counts = s.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] != 0) {
                        claimed.add(new String[] { candidates.get(i), ids.get(i) });
                    }
                }
            }
        }
        return claimed;
    }

    private void deliver(String itemId, String deliveryId) throws Exception {
        byte[] body = json.writeValueAsBytes(payload(itemId, deliveryId));
        long started = System.nanoTime();
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("webhook-id", deliveryId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
        long ms = (System.nanoTime() - started) / 1_000_000;
        boolean ok = response.statusCode() / 100 == 2;
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement log = c.prepareStatement("INSERT INTO delivery_attempt (item_id, stage_id, delivery_id,"
                    + " attempt, url, outcome, http_status, duration_ms, attempted_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)")) {
                log.setString(1, itemId);
                log.setLong(2, stageId);
                log.setString(3, deliveryId);
                log.setString(4, url.toString());
                log.setString(5, ok ? "DELIVERED" : "FAILED");
                log.setInt(6, response.statusCode());
                log.setLong(7, ms);
                log.setTimestamp(8, now);
                log.executeUpdate();
            }
            if (ok) {
                try (PreparedStatement move = c.prepareStatement("UPDATE assignment SET stage_id = ?, status = 'ASSIGNED',"
                        + " attempts = 0, delivery_id = NULL, lease_owner = NULL, lease_expires_at = NULL, assigned_at = ?,"
                        + " due_at = NULL, updated_at = ? WHERE item_id = ? AND COALESCE(lease_owner, '') = 'raw'")) {
                    move.setLong(1, nextStageId);
                    move.setTimestamp(2, now);
                    move.setTimestamp(3, now);
                    move.setString(4, itemId);
                    move.executeUpdate();
                }
                try (PreparedStatement history = c.prepareStatement("INSERT INTO stage_transition (item_id, from_stage_id,"
                        + " to_stage_id, reason, delivery_id, moved_at) VALUES (?, ?, ?, 'DELIVERED', ?, ?)")) {
                    history.setString(1, itemId);
                    history.setLong(2, stageId);
                    history.setLong(3, nextStageId);
                    history.setString(4, deliveryId);
                    history.setTimestamp(5, now);
                    history.executeUpdate();
                }
            } else {
                try (PreparedStatement retry = c.prepareStatement("UPDATE assignment SET status = 'QUEUED', attempts = attempts + 1,"
                        + " lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE item_id = ?")) {
                    retry.setTimestamp(1, now);
                    retry.setString(2, itemId);
                    retry.executeUpdate();
                }
            }
            c.commit();
        }
    }

    /** The V7-shaped payload from the file's rows, as the bundle builds it. */
    private Map<String, Object> payload(String itemId, String deliveryId) throws SQLException {
        Map<String, Object> item = new LinkedHashMap<>();
        List<Map<String, Object>> slots = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM file WHERE item_id = ?")) {
                s.setString(1, itemId);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    item.put("name", rs.getString("name"));
                    item.put("path", rs.getString("path"));
                    item.put("source_info", Map.of("item_id", itemId,
                            "team", Map.of("name", rs.getString("team_name"), "slug", rs.getString("team_slug")),
                            "dataset", Map.of("name", rs.getString("dataset_name"), "slug", rs.getString("dataset_slug"),
                                    "dataset_management_url", String.valueOf(rs.getString("dataset_management_url"))),
                            "workview_url", String.valueOf(rs.getString("workview_url"))));
                }
            }
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM file_slot WHERE item_id = ? ORDER BY position")) {
                s.setString(1, itemId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> slot = new LinkedHashMap<>();
                        slot.put("slot_name", rs.getString("slot_name"));
                        slot.put("type", rs.getString("type"));
                        slot.put("width", rs.getInt("width"));
                        slot.put("height", rs.getInt("height"));
                        slot.put("source_files", new ArrayList<Map<String, Object>>());
                        slots.add(slot);
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT * FROM slot_source_file WHERE item_id = ? ORDER BY slot_position, position")) {
                s.setString(1, itemId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        @SuppressWarnings("unchecked")
                        List<Map<String, Object>> files = (List<Map<String, Object>>) slots.get(rs.getInt("slot_position"))
                                .get("source_files");
                        files.add(Map.of("file_name", rs.getString("file_name"), "url", rs.getString("url")));
                    }
                }
            }
        }
        item.put("slots", slots);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("version", "2.0");
        payload.put("delivery_id", deliveryId);
        payload.put("workflow", Map.of("name", "bench"));
        payload.put("stage", Map.of("name", "hook", "type", "webhook"));
        payload.put("item", item);
        return payload;
    }
}
