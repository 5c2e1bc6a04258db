package com.annoflow.webhookstage.queue;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;

/** How a file enters a stage, whoever moves it there (an assignment, or the end of a visit): its status, due time and transition. */
final class StageEntry {

    private StageEntry() {
    }

    /** QUEUED in a webhook stage (it will be sent), ASSIGNED in a stage people (or nobody) work on. */
    static String status(StageConfig stage) {
        return stage.type().isAutomated() ? "QUEUED" : "ASSIGNED";
    }

    /** A file queued in a webhook stage is due at once; elsewhere it is not due at all. */
    static OffsetDateTime due(StageConfig stage, Instant now) {
        return stage.type().isAutomated() ? Storage.utc(now) : null;
    }

    private static final String INSERT = "INSERT INTO stage_transition (item_id, from_stage_id, to_stage_id, reason,"
                                         + " delivery_id, detail, moved_at) VALUES (?, ?, ?, ?, ?, ?, ?)";

    /** The transition's row in the file's history. */
    static void record(Storage storage, String itemId, Long fromStageId, long toStageId, String reason, String deliveryId,
            String detail, Instant at) {
        storage.jdbc().update(INSERT, itemId, fromStageId, toStageId, reason, deliveryId, truncate(detail, 1000), Storage.utc(at));
    }

    /** A transition to record, at the time of its group. */
    record Transition(String itemId, Long fromStageId, long toStageId, String reason, String deliveryId, String detail) {
    }

    /** Several transitions in one statement batch. */
    static void recordAll(Storage storage, List<Transition> transitions, Instant at) {
        if (!transitions.isEmpty()) {
            storage.jdbc().batchUpdate(INSERT, transitions.stream().map(t -> new Object[] { t.itemId(), t.fromStageId(),
                    t.toStageId(), t.reason(), t.deliveryId(), truncate(t.detail(), 1000), Storage.utc(at) }).toList());
        }
    }

    private static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
