package com.annoflow.webhookstage.queue;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;

/**
 * HSQLDB (no {@code SKIP LOCKED}, no {@code RETURNING}): select candidates, then claim each with an update that only
 * succeeds while it is still due and unchanged since the select; only rows whose update count is 1 are ours, and the
 * select already read what their visits need. Parks and moves are one statement per file in a JDBC batch, each fenced
 * by its lease ({@link AssignmentQueue#HELD}).
 */
public final class PortableStatements implements QueueStatements {

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
        return "(SELECT item_id, due_at, delivery_id, attempts, trace_context FROM assignment WHERE stage_id = ?"
               + " AND status = '" + status + "' AND due_at <= ?"
               + " ORDER BY stage_id, status, due_at, item_id FETCH FIRST ? ROWS ONLY)";
    }

    private final Storage storage;
    private final String instanceId;
    private final Duration leaseDuration;

    PortableStatements(Storage storage, String instanceId, Duration leaseDuration) {
        this.storage = storage;
        this.instanceId = instanceId;
        this.leaseDuration = leaseDuration;
    }

    /**
     * Portable (HSQLDB): select candidates with what a visit needs of them, then claim each with an UPDATE that only
     * succeeds while it is still due and still as the select read it (its stage, attempts and delivery id; every write
     * that changes a waiting file's trace context changes its attempts too), so the won rows need no second read.
     */
    @Override
    public List<Visit> claim(StageConfig stage, int limit, Instant now) {
        List<Candidate> candidates = candidates(stage, limit, now);
        return candidates.isEmpty() ? List.of() : take(stage, candidates, now);
    }

    /** The stage's due files as the select reads them, the longest-due first, at most {@code limit}. */
    List<Candidate> candidates(StageConfig stage, int limit, Instant now) {
        List<Candidate> due = new ArrayList<>();
        Object at = Storage.utc(now);
        storage.jdbc().query(DUE_CANDIDATES, rs -> {
            due.add(new Candidate(rs.getString("item_id"), Storage.instant(rs.getObject("due_at")),
                    rs.getString("delivery_id"), rs.getInt("attempts"), rs.getString("trace_context")));
        }, stage.id(), at, limit, stage.id(), at, limit);
        due.sort(Comparator.comparing(Candidate::dueAt).thenComparing(Candidate::itemId));
        return due.subList(0, Math.min(limit, due.size()));
    }

    /** Claims each candidate that is still due and unchanged since it was read; the visits of those it won. */
    List<Visit> take(StageConfig stage, List<Candidate> candidates, Instant now) {
        List<Object[]> rows = new ArrayList<>(candidates.size());
        List<String> deliveryIds = new ArrayList<>(candidates.size());
        for (Candidate candidate : candidates) {
            // a retry keeps its delivery id; only a first attempt gets a new one
            String deliveryId = candidate.deliveryId() != null ? candidate.deliveryId() : newDeliveryId();
            deliveryIds.add(deliveryId);
            rows.add(new Object[] { instanceId, Storage.utc(now.plus(leaseDuration)), deliveryId, Storage.utc(now),
                    candidate.itemId(), stage.id(), candidate.attempts(),
                    candidate.deliveryId() == null ? "" : candidate.deliveryId() });
        }
        int[] counts = storage.jdbc().batchUpdate("UPDATE assignment SET status = 'SENDING', lease_owner = ?,"
                                                  + " lease_expires_at = ?, delivery_id = ?, updated_at = ?, attempts = attempts + 1"
                                                  + " WHERE item_id = ? AND status IN ('QUEUED', 'WAITING') AND stage_id = ?"
                                                  + " AND attempts = ? AND COALESCE(delivery_id, '') = ?",
                rows);
        List<Visit> won = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                Candidate candidate = candidates.get(i);
                won.add(new Visit(candidate.itemId(), stage.id(), deliveryIds.get(i), candidate.attempts(), instanceId,
                        candidate.traceContext()));
            }
        }
        return won;
    }

    @Override
    public boolean[] parkAll(List<AssignmentQueue.Park> parks, Instant now) {
        OffsetDateTime at = Storage.utc(now);
        return wereHeld(storage.jdbc().batchUpdate(
                "UPDATE assignment SET status = 'WAITING', due_at = ?, lease_owner = NULL, lease_expires_at = NULL,"
                + " updated_at = ?, trace_context = ? WHERE " + AssignmentQueue.HELD,
                parks.stream().map(park -> new Object[] { Storage.utc(park.due()), at, park.traceContext(),
                        park.visit().itemId(), park.visit().leaseOwner() }).toList()));
    }

    @Override
    public boolean[] moveAll(List<AssignmentQueue.Move> moves, Instant now) {
        OffsetDateTime at = Storage.utc(now);
        return wereHeld(storage.jdbc().batchUpdate(
                "UPDATE assignment SET stage_id = ?, status = ?, attempts = 0, delivery_id = NULL,"
                + " trace_context = NULL, lease_owner = NULL, lease_expires_at = NULL, assigned_at = ?, due_at = ?,"
                + " updated_at = ? WHERE " + AssignmentQueue.HELD,
                moves.stream().map(move -> new Object[] { move.target().id(), StageEntry.status(move.target()), at,
                        StageEntry.due(move.target(), now), at, move.visit().itemId(), move.visit().leaseOwner() })
                        .toList()));
    }

    /** For each statement of a batch fenced by {@link AssignmentQueue#HELD}: whether it found the file still held. */
    private static boolean[] wereHeld(int[] counts) {
        boolean[] stillHeld = new boolean[counts.length];
        for (int i = 0; i < counts.length; i++) {
            stillHeld[i] = counts[i] != 0;
        }
        return stillHeld;
    }

    /** A due file as the candidate select read it: the claim's update succeeds only while it is still so. */
    record Candidate(String itemId, Instant dueAt, String deliveryId, int attempts, String traceContext) {
    }

    private static String newDeliveryId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }
}
