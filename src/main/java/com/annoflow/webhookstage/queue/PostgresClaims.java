package com.annoflow.webhookstage.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;

/** PostgreSQL: one atomic statement, {@code FOR UPDATE SKIP LOCKED} and {@code RETURNING}. */
public final class PostgresClaims implements ClaimStatements {

    /** The PostgreSQL claim; parameters: lease owner, lease expiry, now, stage, now, how many. */
    public static final String CLAIM_DUE_FILES =
            "UPDATE assignment SET status = 'SENDING', lease_owner = ?, lease_expires_at = ?,"
            + " updated_at = ?, attempts = attempts + 1,"
            + " delivery_id = COALESCE(delivery_id, 'msg_' || replace(gen_random_uuid()::text, '-', ''))"
            // ANY(ARRAY(...)): the candidates are found once, then updated through the primary key
            + " WHERE item_id = ANY(ARRAY(SELECT item_id FROM assignment WHERE stage_id = ?"
            + " AND status IN ('QUEUED', 'WAITING') AND due_at <= ?"
            + " ORDER BY due_at, item_id LIMIT ? FOR UPDATE SKIP LOCKED))"
            + " RETURNING item_id, stage_id, delivery_id, attempts - 1 AS attempts, trace_context";

    private final Storage storage;
    private final String instanceId;
    private final Duration leaseDuration;

    PostgresClaims(Storage storage, String instanceId, Duration leaseDuration) {
        this.storage = storage;
        this.instanceId = instanceId;
        this.leaseDuration = leaseDuration;
    }

    /**
     * PostgreSQL: one atomic statement. Rows another instance is claiming are skipped, not waited for; the partial index
     * on claimable rows keeps the cost independent of how many files are queued or wait for a later retry (plan in
     * docs/scaling.md).
     */
    @Override
    public List<Visit> claim(StageConfig stage, int limit, Instant now) {
        return storage.jdbc().query(CLAIM_DUE_FILES,
                (rs, n) -> new Visit(rs.getString("item_id"), rs.getLong("stage_id"), rs.getString("delivery_id"),
                        rs.getInt("attempts"), instanceId, rs.getString("trace_context")),
                instanceId, Storage.utc(now.plus(leaseDuration)), Storage.utc(now), stage.id(), Storage.utc(now), limit);
    }
}
