package com.annoflow.webhookstage.queue;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;

/**
 * PostgreSQL: the claim is one atomic statement ({@code FOR UPDATE SKIP LOCKED}, {@code RETURNING}); a group's parks
 * and its moves are one statement each, the files given as arrays ({@code unnest}), each row fenced by its lease and
 * found by its primary key, and the rows still held come back ({@code RETURNING}). One statement per group instead of
 * one per file: the server's CPU per delivery (docs/benchmarks.md).
 */
public final class PostgresStatements implements QueueStatements {

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

    /**
     * The end of both group statements; its parameter is the group's item ids once more. Joined with the arrays alone,
     * PostgreSQL read the whole table and hashed it whenever that looked cheaper than one index lookup per file (a
     * custom plan for 200 files of a 20,000-row table: QueueSchemaTest); as an {@code = ANY} condition on the key,
     * filtering every row by the whole array costs more than the lookups at any size, so the rows are found through
     * {@code pk_assignment}.
     */
    private static final String BY_PRIMARY_KEY = " AND a.item_id = ANY(ARRAY(SELECT unnest(?::varchar[]))) RETURNING a.item_id";

    /** A group's parks; parameters: now, then item ids, lease owners, due times (text), trace contexts, item ids. */
    static final String PARK_ALL =
            "UPDATE assignment a SET status = 'WAITING', due_at = p.due_at::timestamptz, lease_owner = NULL,"
            + " lease_expires_at = NULL, updated_at = ?, trace_context = p.trace_context"
            + " FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[])"
            + " AS p(item_id, lease_owner, due_at, trace_context)"
            + " WHERE a.item_id = p.item_id AND COALESCE(a.lease_owner, '') = p.lease_owner" + BY_PRIMARY_KEY;

    /**
     * A group's moves; parameters: now (assigned, updated and, for a webhook stage, due), then item ids, lease owners,
     * target stages, statuses, item ids.
     */
    static final String MOVE_ALL =
            "UPDATE assignment a SET stage_id = m.stage_id, status = m.status, attempts = 0, delivery_id = NULL,"
            + " trace_context = NULL, lease_owner = NULL, lease_expires_at = NULL, assigned_at = n.now,"
            + " due_at = CASE WHEN m.status = 'QUEUED' THEN n.now END, updated_at = n.now"
            + " FROM (SELECT ?::timestamptz AS now) n,"
            + " unnest(?::varchar[], ?::varchar[], ?::bigint[], ?::varchar[]) AS m(item_id, lease_owner, stage_id, status)"
            + " WHERE a.item_id = m.item_id AND COALESCE(a.lease_owner, '') = m.lease_owner" + BY_PRIMARY_KEY;

    private final Storage storage;
    private final String instanceId;
    private final Duration leaseDuration;

    PostgresStatements(Storage storage, String instanceId, Duration leaseDuration) {
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

    @Override
    public boolean[] parkAll(List<AssignmentQueue.Park> parks, Instant now) {
        return held(parks.stream().map(AssignmentQueue.Park::visit).toList(), PARK_ALL, Storage.utc(now),
                parks.stream().map(park -> park.due().toString()).toArray(String[]::new),
                parks.stream().map(AssignmentQueue.Park::traceContext).toArray(String[]::new));
    }

    @Override
    public boolean[] moveAll(List<AssignmentQueue.Move> moves, Instant now) {
        return held(moves.stream().map(AssignmentQueue.Move::visit).toList(), MOVE_ALL, Storage.utc(now),
                moves.stream().map(move -> move.target().id()).toArray(Long[]::new),
                moves.stream().map(move -> StageEntry.status(move.target())).toArray(String[]::new));
    }

    /**
     * Runs a group statement: {@code first}, then the visits' item ids and lease owners, then {@code columns} (one array
     * each), then the item ids again ({@link #BY_PRIMARY_KEY}). @return for each visit, whether its row came back (this
     * instance still held the file)
     */
    private boolean[] held(List<Visit> visits, String sql, Object first, Object[]... columns) {
        if (visits.isEmpty()) {
            return new boolean[0];
        }
        Set<String> returned = new HashSet<>();
        storage.jdbc().query(connection -> {
            PreparedStatement statement = connection.prepareStatement(sql);
            Array itemIds = connection.createArrayOf("varchar", visits.stream().map(Visit::itemId).toArray(String[]::new));
            statement.setObject(1, first);
            statement.setArray(2, itemIds);
            statement.setArray(3, connection.createArrayOf("varchar",
                    visits.stream().map(Visit::leaseOwner).toArray(String[]::new)));
            for (int i = 0; i < columns.length; i++) {
                statement.setArray(4 + i, connection.createArrayOf(columns[i] instanceof Long[] ? "bigint" : "varchar",
                        columns[i]));
            }
            statement.setArray(4 + columns.length, itemIds);
            return statement;
        }, (ResultSet rs) -> {
            returned.add(rs.getString(1));
        });
        boolean[] stillHeld = new boolean[visits.size()];
        for (int i = 0; i < stillHeld.length; i++) {
            stillHeld[i] = returned.contains(visits.get(i).itemId());
        }
        return stillHeld;
    }
}
