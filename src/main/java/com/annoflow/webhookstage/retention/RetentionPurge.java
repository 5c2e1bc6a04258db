package com.annoflow.webhookstage.retention;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;

/**
 * Deletes delivery-log and transition rows older than {@code webhook.retention.keep}, a bounded batch per statement
 * (each its own short transaction), so a purge never holds long locks or a huge undo log. The queue itself is never
 * purged, and before transitions go, the fact that a file passed a webhook stage is kept in {@code stage_passed}: no
 * file can be lost, re-sent or locked out of the workers' rule by retention.
 */
public final class RetentionPurge {

    private final Storage storage;
    private final Clock clock;
    private final RetentionSettings settings;

    public RetentionPurge(Storage storage, Clock clock, RetentionSettings settings) {
        this.storage = storage;
        this.clock = clock;
        this.settings = settings;
    }

    /** Purges both tables; returns rows deleted per table. */
    public Map<String, Integer> purge() {
        Instant cutoff = clock.instant().minus(settings.keep());
        Map<String, Integer> deleted = new LinkedHashMap<>();
        deleted.put("delivery_attempt", purge("delivery_attempt", "attempted_at", cutoff));
        deleted.put("stage_transition", purge("stage_transition", "moved_at", cutoff));
        return deleted;
    }

    private int purge(String table, String timeColumn, Instant cutoff) {
        // table and column names are the constants above, never input
        String batch = "SELECT id FROM " + table + " WHERE " + timeColumn + " < ? ORDER BY id FETCH FIRST "
                       + settings.batchSize() + " ROWS ONLY";
        int total = 0;
        int deleted;
        do {
            deleted = storage.transactions().execute(tx -> {
                if (table.equals("stage_transition")) {
                    keepPassedMarks(batch, cutoff);
                }
                return storage.jdbc().update("DELETE FROM " + table + " WHERE id IN (" + batch + ")", Storage.utc(cutoff));
            });
            total += deleted;
        } while (deleted == settings.batchSize());
        return total;
    }

    /**
     * Before transitions go, remember which files left which webhook stage: the workers' self-assignment rule asks
     * that, and the history is where it was written. One row per file and stage, whatever the number of visits.
     */
    private void keepPassedMarks(String batch, Instant cutoff) {
        storage.jdbc().update("INSERT INTO stage_passed (item_id, stage_id) SELECT DISTINCT t.item_id, t.from_stage_id"
                              + " FROM stage_transition t WHERE t.id IN (" + batch + ") AND t.from_stage_id IS NOT NULL"
                              + " AND t.reason IN ('DELIVERED', 'FAILED') AND NOT EXISTS (SELECT 1 FROM stage_passed p"
                              + " WHERE p.item_id = t.item_id AND p.stage_id = t.from_stage_id)", Storage.utc(cutoff));
    }
}
