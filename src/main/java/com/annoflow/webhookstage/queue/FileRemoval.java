package com.annoflow.webhookstage.queue;

import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.storage.Storage;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Removes files with everything the bundle keeps about them: the file, its slots and source files, its annotations
 * (annotator e-mails are personal data), its place in the queue, its delivery attempts, its transitions and its "passed
 * this stage" marks. A file a visit is sending is not removed: the queue row is deleted first, only when it is not
 * SENDING, in the same transaction as the rest, so a claim either took the file before (and the removal is refused) or
 * finds nothing after (PostgreSQL: the claim's SKIP LOCKED skips the locked row; HSQLDB: the table lock waits for the
 * commit).
 */
public final class FileRemoval {

    /** What a removal did. */
    public enum Outcome {
        REMOVED,
        /** No file has that id. */
        NOT_FOUND,
        /** A visit is sending the file now; nothing was removed. */
        SENDING
    }

    /** What a removal did, and how many rows of the delivery log and of the history went with the file. */
    public record Removed(Outcome outcome, int attempts, int transitions, int annotations) {
    }

    /** The tables that hold rows of a file, besides the queue and the file itself, children first. */
    private static final List<String> FILE_ROWS = List.of("delivery_attempt", "stage_transition", "stage_passed",
            "annotation", "slot_source_file", "file_slot");

    /** Files per transaction of the complete-stage purge: one IN list stays within both drivers' parameter limits. */
    public static final int MOST_PER_BATCH = 1000;

    private final Storage storage;

    public FileRemoval(Storage storage) {
        this.storage = storage;
    }

    /** Removes one file, unless a visit is sending it. */
    public Removed remove(String itemId) {
        return storage.transactions().execute(tx -> {
            int queueRows = storage.jdbc().update("DELETE FROM assignment WHERE item_id = ? AND status <> 'SENDING'", itemId);
            if (queueRows == 0 && storage.jdbc().queryForObject("SELECT COUNT(*) FROM assignment WHERE item_id = ?",
                    Integer.class, itemId) > 0) {
                tx.setRollbackOnly();
                return new Removed(Outcome.SENDING, 0, 0, 0);
            }
            int[] counts = new int[FILE_ROWS.size()];
            for (int i = 0; i < FILE_ROWS.size(); i++) {
                counts[i] = storage.jdbc().update("DELETE FROM " + FILE_ROWS.get(i) + " WHERE item_id = ?", itemId);
            }
            int files = storage.jdbc().update("DELETE FROM file WHERE item_id = ?", itemId);
            if (files == 0 && queueRows == 0) {
                return new Removed(Outcome.NOT_FOUND, 0, 0, 0);
            }
            return new Removed(Outcome.REMOVED, counts[0], counts[1], counts[3]);
        });
    }

    /**
     * Removes up to {@code batch} files (at most {@link #MOST_PER_BATCH}) that entered a {@code complete} stage before
     * {@code cutoff} and are still there, in one transaction.
     *
     * @return how many files were removed: fewer than asked means none is left
     */
    public int removeCompleteBefore(Instant cutoff, int batch) {
        int most = Math.min(batch, MOST_PER_BATCH);
        return storage.transactions().execute(tx -> {
            List<String> ids = storage.jdbc().queryForList(
                    "SELECT a.item_id FROM assignment a JOIN stage s ON s.id = a.stage_id WHERE s.type = 'complete'"
                    + " AND a.assigned_at < ? ORDER BY a.assigned_at, a.item_id FETCH FIRST " + most + " ROWS ONLY",
                    String.class, Storage.utc(cutoff));
            if (ids.isEmpty()) {
                return 0;
            }
            NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(storage.jdbc());
            MapSqlParameterSource these = new MapSqlParameterSource("ids", ids);
            // a complete stage is never automated, so none of these files is SENDING
            named.update("DELETE FROM assignment WHERE item_id IN (:ids)", these);
            for (String table : FILE_ROWS) {
                named.update("DELETE FROM " + table + " WHERE item_id IN (:ids)", these);
            }
            named.update("DELETE FROM file WHERE item_id IN (:ids)", these);
            return ids.size();
        });
    }
}
