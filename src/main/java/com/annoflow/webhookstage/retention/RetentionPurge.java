package com.annoflow.webhookstage.retention;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.annoflow.webhookstage.BundleSettings;
import com.annoflow.webhookstage.storage.Storage;

/**
 * Deletes delivery-log and transition rows older than {@code webhook.retention.keep}, a bounded batch per statement
 * (each its own short transaction), so a purge never holds long locks or a huge undo log. The queue itself and the
 * "passed this webhook stage" marks are never purged: no file can be lost or re-sent by retention.
 */
public final class RetentionPurge {

    private final Storage storage;
    private final Clock clock;
    private final BundleSettings.Retention settings;

    public RetentionPurge(Storage storage, Clock clock, BundleSettings.Retention settings) {
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
        String sql = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table + " WHERE " + timeColumn + " < ?"
                     + " ORDER BY id FETCH FIRST " + settings.batchSize() + " ROWS ONLY)";
        int total = 0;
        int deleted;
        do {
            deleted = storage.jdbc().update(sql, Storage.utc(cutoff));
            total += deleted;
        } while (deleted == settings.batchSize());
        return total;
    }
}
