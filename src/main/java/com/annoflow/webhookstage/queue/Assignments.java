package com.annoflow.webhookstage.queue;

import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Putting files in stages from outside a visit: an assignment (the API, the demo, a redelivery), all or nothing, and an
 * operator's "retry now". Both wake this instance's claim when they make files due in a webhook stage, so the files
 * are claimed at once on HSQLDB as on PostgreSQL (whose notification also reaches the other instances); polling
 * remains for writers outside the bundle.
 */
public final class Assignments {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.queue");

    private final Storage storage;
    private final Clock clock;
    private final Runnable wakeClaim;

    /** @param wakeClaim wakes the claim now (files were made due) */
    public Assignments(Storage storage, Clock clock, Runnable wakeClaim) {
        this.storage = storage;
        this.clock = clock;
        this.wakeClaim = wakeClaim;
    }

    /**
     * Assigns files to a stage, all or nothing: unknown files, or files being sent right now, refuse the whole request
     * with an {@link AssignmentRefused} and change nothing.
     */
    public void assign(List<String> itemIds, StageConfig target, String assignedBy) {
        Instant now = clock.instant();
        storage.transactions().executeWithoutResult(tx -> {
            Set<String> known = new HashSet<>(
                    storage.inChunks(itemIds, "SELECT item_id FROM file WHERE item_id IN (:ids)"));
            List<String> unknown = itemIds.stream().filter(id -> !known.contains(id)).toList();
            if (!unknown.isEmpty()) {
                throw new AssignmentRefused(404, "file_ids: no registered file has the id(s) " + shortList(unknown)
                                                 + "; register them first with POST /api/files");
            }
            List<String> sending = storage.inChunks(itemIds,
                    "SELECT item_id FROM assignment WHERE status IN ('SENDING', 'WAITING') AND item_id IN (:ids)");
            if (!sending.isEmpty()) {
                throw new AssignmentRefused(409, "file_ids: " + shortList(sending) + " are being delivered right now"
                                                 + " (sending, or waiting for a retry); assign them again once their"
                                                 + " delivery has ended, or retry them now with POST /api/files/{id}/retry-now");
            }
            for (String itemId : itemIds) {
                List<Long> current = storage.jdbc().queryForList("SELECT stage_id FROM assignment WHERE item_id = ?",
                        Long.class, itemId);
                if (current.isEmpty()) {
                    storage.jdbc().update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at,"
                                          + " updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)",
                            itemId, target.id(), StageEntry.status(target), Storage.utc(now), StageEntry.due(target, now), Storage.utc(now));
                } else {
                    storage.jdbc().update("UPDATE assignment SET stage_id = ?, status = ?, attempts = 0, delivery_id = NULL, trace_context = NULL,"
                                          + " lease_owner = NULL, lease_expires_at = NULL, assigned_at = ?, due_at = ?,"
                                          + " updated_at = ? WHERE item_id = ?",
                            target.id(), StageEntry.status(target), Storage.utc(now), StageEntry.due(target, now), Storage.utc(now), itemId);
                }
                StageEntry.record(storage, itemId, current.isEmpty() ? null : current.get(0), target.id(), "ASSIGNED", null,
                        "by " + assignedBy, now);
            }
        });
        LOG.info("{} file(s) assigned to {} by {}", itemIds.size(), target.qualifiedName(), assignedBy);
        if (target.type().isAutomated()) {
            wakeClaim.run();
        }
    }

    /**
     * An operator's "retry now": the files of {@code itemIds} that wait for a retry in {@code stage} (all of them when
     * {@code itemIds} is null) become due at once, keeping their attempts and delivery id.
     *
     * @return the ids of the files made due
     */
    public List<String> retryNow(StageConfig stage, List<String> itemIds) {
        Instant now = clock.instant();
        List<String> due = storage.transactions().execute(tx -> {
            List<String> found = itemIds == null
                    ? storage.jdbc().queryForList("SELECT item_id FROM assignment WHERE stage_id = ? AND status = 'WAITING'"
                                                  + " ORDER BY due_at, item_id", String.class, stage.id())
                    : storage.inChunks(itemIds, "SELECT item_id FROM assignment WHERE status = 'WAITING' AND stage_id = "
                                                + stage.id() + " AND item_id IN (:ids)");
            List<Object[]> rows = found.stream().map(id -> new Object[] { Storage.utc(now), Storage.utc(now), id }).toList();
            storage.jdbc().batchUpdate("UPDATE assignment SET due_at = ?, updated_at = ? WHERE item_id = ?"
                                       + " AND status = 'WAITING'", rows);
            return found;
        });
        if (!due.isEmpty()) {
            LOG.info("{} file(s) of {} waiting for a retry are due now (retry now)", due.size(), stage.qualifiedName());
            wakeClaim.run();
        }
        return due;
    }

    /** At most 20 ids, for a message. */
    private static String shortList(List<String> ids) {
        return ids.size() <= 20 ? ids.toString()
                : ids.subList(0, 20).toString().replace("]", ", … and " + (ids.size() - 20) + " more]");
    }
}
