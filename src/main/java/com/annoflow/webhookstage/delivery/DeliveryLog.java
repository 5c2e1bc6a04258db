package com.annoflow.webhookstage.delivery;

import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.storage.Storage;

/**
 * Every attempt, successful or not, with a bounded excerpt of the answer. Never holds headers, payloads or a target's
 * path and query (its URL is stored masked, {@code TargetUrls.masked}); excerpts and errors arrive with the stage's
 * secrets taken out ({@link Redaction}).
 */
public final class DeliveryLog {

    private final Storage storage;

    public DeliveryLog(Storage storage) {
        this.storage = storage;
    }

    private static final String INSERT = "INSERT INTO delivery_attempt (item_id, stage_id, delivery_id, attempt, url, outcome,"
                                         + " http_status, duration_ms, error, response_excerpt, attempted_at)"
                                         + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** An attempt's row, to be written in the transaction of the visit's next step (its move on, or its park). */
    public record PendingRow(DeliveryLog log, long stageId, DeliveryAttempt attempt) implements Runnable {
        @Override
        public void run() {
            log.record(stageId, attempt);
        }
    }

    public PendingRow pending(long stageId, DeliveryAttempt attempt) {
        return new PendingRow(this, stageId, attempt);
    }

    public void record(long stageId, DeliveryAttempt attempt) {
        storage.jdbc().update(INSERT, columns(stageId, attempt));
    }

    /** Several attempts' rows in one statement batch. */
    public void recordAll(List<PendingRow> rows) {
        if (!rows.isEmpty()) {
            storage.jdbc().batchUpdate(INSERT, rows.stream().map(row -> columns(row.stageId(), row.attempt())).toList());
        }
    }

    private static Object[] columns(long stageId, DeliveryAttempt attempt) {
        return new Object[] { attempt.itemId(), stageId, attempt.deliveryId(), attempt.attempt(), attempt.url(),
                attempt.outcome().name(), attempt.httpStatus(), attempt.durationMs(), cut(attempt.error(), 1000),
                cut(attempt.responseExcerpt(), 2000), Storage.utc(attempt.attemptedAt()) };
    }

    public List<DeliveryAttempt> forFile(String itemId) {
        return query("a.item_id = ? ORDER BY a.id", itemId);
    }

    /** The newest attempts of a stage since a time, newest first, at most {@code limit}. */
    public List<DeliveryAttempt> forStage(long stageId, Instant since, int limit) {
        return query("a.stage_id = ? AND a.attempted_at >= ? ORDER BY a.id DESC FETCH FIRST " + limit + " ROWS ONLY",
                stageId, Storage.utc(since));
    }

    private List<DeliveryAttempt> query(String condition, Object... args) {
        return storage.jdbc().query("SELECT a.*, s.workflow_name, s.name AS stage_name FROM delivery_attempt a"
                                    + " JOIN stage s ON s.id = a.stage_id WHERE " + condition, (rs, n) -> {
            return new DeliveryAttempt(rs.getString("item_id"), rs.getString("workflow_name"), rs.getString("stage_name"),
                    rs.getString("delivery_id"),
                    rs.getInt("attempt"), rs.getString("url"), AttemptOutcome.valueOf(rs.getString("outcome")),
                    (Integer) rs.getObject("http_status"), rs.getLong("duration_ms"), rs.getString("error"),
                    rs.getString("response_excerpt"), Storage.instant(rs.getObject("attempted_at")));
        }, args);
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}
