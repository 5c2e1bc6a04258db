package com.annoflow.webhookstage.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * HSQLDB (no {@code SKIP LOCKED}, no {@code RETURNING}): select candidates, then claim each with an update that only
 * succeeds while it is still due; only rows whose update count is 1 are ours.
 */
public final class PortableClaims implements ClaimStatements {

    /**
     * The HSQLDB claim's candidates: the due heads of the stage's queued files and of its files waiting for a retry, in
     * one statement (one round trip and one table lock instead of two); parameters: stage, now, how many, twice. Each
     * part's ORDER BY names the columns of ix_assignment_due from the first, {@code stage_id} and {@code status}
     * included although they are constant: only then does HSQLDB read the index in order from the earliest due time and
     * stop after the limit, or at the first file not yet due, instead of reading every file of the stage (changesets 10
     * and 13). The claim merges the two heads, the longest-due first.
     */
    public static final String DUE_CANDIDATES = dueHead("QUEUED") + " UNION ALL " + dueHead("WAITING");

    private static String dueHead(String status) {
        return "(SELECT item_id, due_at FROM assignment WHERE stage_id = ? AND status = '" + status + "' AND due_at <= ?"
                + " ORDER BY stage_id, status, due_at, item_id FETCH FIRST ? ROWS ONLY)";
    }

    private final Storage storage;
    private final String instanceId;
    private final Duration leaseDuration;

    PortableClaims(Storage storage, String instanceId, Duration leaseDuration) {
        this.storage = storage;
        this.instanceId = instanceId;
        this.leaseDuration = leaseDuration;
    }

    /** Portable (HSQLDB): select candidates, then claim each with an UPDATE that only succeeds while it is still due. */
    @Override
    public List<Visit> claim(StageConfig stage, int limit, Instant now) {
        JdbcTemplate jdbc = storage.jdbc();
        List<Object[]> due = new ArrayList<>();
        Object at = Storage.utc(now);
        jdbc.query(DUE_CANDIDATES, rs -> {
            due.add(new Object[] { Storage.instant(rs.getObject("due_at")), rs.getString("item_id") });
        }, stage.id(), at, limit, stage.id(), at, limit);
        if (due.isEmpty()) {
            return List.of();
        }
        due.sort(Comparator.comparing((Object[] c) -> (Instant) c[0]).thenComparing(c -> (String) c[1]));
        List<String> candidates = due.subList(0, Math.min(limit, due.size())).stream().map(c -> (String) c[1]).toList();
        List<Object[]> rows = new ArrayList<>(candidates.size());
        for (String itemId : candidates) {
            rows.add(new Object[] {
                    instanceId, Storage.utc(now.plus(leaseDuration)), newDeliveryId(), Storage.utc(now), itemId });
        }
        int[] counts = jdbc.batchUpdate("UPDATE assignment SET status = 'SENDING', lease_owner = ?, lease_expires_at = ?,"
                                        + " delivery_id = COALESCE(delivery_id, ?), updated_at = ?, attempts = attempts + 1"
                                        + " WHERE item_id = ? AND status IN ('QUEUED', 'WAITING')",
                rows);
        List<String> won = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                won.add(candidates.get(i));
            }
        }
        return won.isEmpty() ? List.of() : visitsOf(won);
    }

    private List<Visit> visitsOf(Collection<String> itemIds) {
        return new NamedParameterJdbcTemplate(storage.jdbc()).query(
                "SELECT item_id, stage_id, delivery_id, attempts - 1 AS attempts, trace_context FROM assignment"
                + " WHERE lease_owner = :owner AND status = 'SENDING' AND item_id IN (:ids) ORDER BY due_at, item_id",
                new MapSqlParameterSource("owner", instanceId).addValue("ids", itemIds),
                (rs, n) -> new Visit(rs.getString("item_id"), rs.getLong("stage_id"), rs.getString("delivery_id"),
                        rs.getInt("attempts"), instanceId, rs.getString("trace_context")));
    }

    private static String newDeliveryId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }
}
