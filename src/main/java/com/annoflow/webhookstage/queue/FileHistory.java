package com.annoflow.webhookstage.queue;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.annoflow.webhookstage.storage.Storage;

/**
 * What the queue's rows say, for the API and the operators: a file's current stage and its transitions, the files a stage failed since a time, whether a file ever left a stage, the delivery id of a visit.
 */
public final class FileHistory {

    private final Storage storage;
    private final Clock clock;

    public FileHistory(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /** The file's current stage and its transition history; empty when no file has that id. */
    public Optional<FileStatus> status(String itemId) {
        List<FileStatus.Transition> history = storage.jdbc().query(
                "SELECT f.name AS from_name, t.name AS to_name, h.reason, h.delivery_id, h.detail, h.moved_at"
                + " FROM stage_transition h JOIN stage t ON t.id = h.to_stage_id LEFT JOIN stage f ON f.id = h.from_stage_id"
                + " WHERE h.item_id = ? ORDER BY h.id",
                (rs, n) -> new FileStatus.Transition(rs.getString("from_name"), rs.getString("to_name"),
                        rs.getString("reason"), rs.getString("delivery_id"), rs.getString("detail"),
                        Storage.instant(rs.getObject("moved_at"))),
                itemId);
        List<FileStatus> found = storage.jdbc().query(
                "SELECT f.item_id, f.name AS file_name, s.workflow_name, s.name AS stage_name, s.type, a.status, a.attempts,"
                + " a.delivery_id, a.assigned_at, a.due_at FROM file f LEFT JOIN assignment a ON a.item_id = f.item_id"
                + " LEFT JOIN stage s ON s.id = a.stage_id WHERE f.item_id = ?",
                (rs, n) -> {
                    String status = rs.getString("status");
                    boolean due = "QUEUED".equals(status) || "WAITING".equals(status);
                    return new FileStatus(rs.getString("item_id"), rs.getString("file_name"), rs.getString("workflow_name"),
                            rs.getString("stage_name"), rs.getString("type"), status,
                            (Integer) rs.getObject("attempts"), rs.getString("delivery_id"),
                            Storage.instant(rs.getObject("assigned_at")),
                            due ? Storage.instant(rs.getObject("due_at")) : null, history);
                },
                itemId);
        return found.stream().findFirst();
    }

    /**
     * Files whose latest move out of the stage was a failure at or after {@code since}, and that are not in it now:
     * the candidates for "redeliver every file that failed this stage since T".
     */
    public List<String> failedSince(long stageId, Instant since) {
        return storage.jdbc().queryForList(
                "SELECT t.item_id FROM stage_transition t JOIN assignment a ON a.item_id = t.item_id"
                + " WHERE t.from_stage_id = ? AND t.reason = 'FAILED' AND t.moved_at >= ? AND a.stage_id <> ?"
                + " AND t.id = (SELECT MAX(l.id) FROM stage_transition l WHERE l.item_id = t.item_id AND l.from_stage_id = ?)"
                + " ORDER BY t.id",
                String.class, stageId, Storage.utc(since), stageId, stageId);
    }

    /**
     * Whether the file ever moved out of the stage (delivered, or sent on after failing): in the transition history,
     * or, once retention purged that, in the marks the purge leaves behind ({@code stage_passed}).
     */
    public boolean hasLeft(String itemId, long stageId) {
        Integer n = storage.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition WHERE item_id = ? AND from_stage_id = ?"
                                                  + " AND reason IN ('DELIVERED', 'FAILED')", Integer.class, itemId, stageId);
        if (n != null && n > 0) {
            return true;
        }
        n = storage.jdbc().queryForObject("SELECT COUNT(*) FROM stage_passed WHERE item_id = ? AND stage_id = ?",
                Integer.class, itemId, stageId);
        return n != null && n > 0;
    }

    /** The delivery id of the file's visit of {@code stageId}, when it is in that stage and has one. */
    public Optional<String> deliveryIdIn(String itemId, long stageId) {
        return storage.jdbc().queryForList("SELECT delivery_id FROM assignment WHERE item_id = ? AND stage_id = ?"
                                           + " AND delivery_id IS NOT NULL", String.class, itemId, stageId).stream().findFirst();
    }
}
