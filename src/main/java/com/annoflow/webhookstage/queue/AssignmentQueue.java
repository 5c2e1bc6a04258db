package com.annoflow.webhookstage.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.annoflow.webhookstage.endpointhealth.StagePausedException;
import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The JDBC queue of stage assignments. A file is QUEUED when assigned to a webhook stage, SENDING while an instance
 * holds its lease, and ASSIGNED when it waits in a stage that people (or nobody) work on. Every write that follows a
 * claim is fenced by the lease owner, so an instance that lost its lease can never move a file twice.
 */
public final class AssignmentQueue {

    /** Exchange properties the delivery routes share. */
    public static final String VISIT = "visit";
    public static final String STAGE = "stage";
    public static final String NEXT_STAGE = "nextStage";
    /** A {@link Runnable} the delivery steps leave to be run inside the transaction that moves the file on. */
    public static final String WRITE_WITH_MOVE = "writeWithMove";

    private static final Logger LOG = LoggerFactory.getLogger("webhook.queue");

    private final Storage storage;
    private final WorkflowCatalog catalog;
    private final Clock clock;
    private final String instanceId;
    private final Duration leaseDuration;
    private final int batchSize;
    private final int maxInFlight;
    private final int prefetch;
    /** Claimed visits whose first attempt has not started: they hold a lease nobody renews, so keep them few. */
    private final java.util.Map<String, Long> waiting = new java.util.concurrent.ConcurrentHashMap<>();
    private final Runnable roomFreed;
    /** A claim found the prefetch full and claimed nothing: the next take that leaves room wakes the claim. */
    private final java.util.concurrent.atomic.AtomicBoolean heldBack = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * The condition of every single-file statement after a claim: this file, and this instance still holds its lease.
     * Written so PostgreSQL can only find the file by its primary key, whatever its statistics say: with a plain
     * {@code lease_owner = ?} it chose the partial index of this instance's leases, and with {@code status = 'SENDING'}
     * added (as it was) the {@code (status, lease_expires_at)} index whenever its last ANALYZE saw few files SENDING
     * (at the start of every burst); both read every lease the instance held, on every move (found by the benchmark:
     * 134 buffers per move instead of 26, pg_stat_statements). The status needs no check: the schema allows a lease only while SENDING
     * (constraint {@code ck_assignment_lease_only_while_sending}).
     */
    private static final String HELD = "item_id = ? AND COALESCE(lease_owner, '') = ?";

    /** Stages that are not sending (endpoint health): their files stay queued, unclaimed. */
    private volatile Set<Long> pausedStages = Set.of();

    public AssignmentQueue(Storage storage, WorkflowCatalog catalog, Clock clock, String instanceId, Duration leaseDuration,
            int batchSize, int maxInFlight, int concurrency, Runnable roomFreed) {
        this.storage = storage;
        this.catalog = catalog;
        this.clock = clock;
        this.instanceId = instanceId;
        this.leaseDuration = leaseDuration;
        this.batchSize = batchSize;
        this.maxInFlight = maxInFlight;
        this.prefetch = 2 * concurrency;
        this.roomFreed = roomFreed;
    }

    /**
     * Claims up to a batch of queued files, as many as this instance has room for, with a lease. A claim is a
     * conditional UPDATE per row (status still QUEUED), so concurrent consumers never claim the same file. Tells the
     * scheduler whether anything was claimed, so it polls again at once while work is waiting.
     */
    public List<Visit> claim(Exchange exchange) {
        // refilled only once half the prefetch is taken: every claim walks the queue index from its head, so a few big
        // claims cost the database far less than a stream of small ones (the benchmark saw 9 files per claim without it)
        int room = roomInPrefetch();
        if (room == 0) {
            heldBack.set(true);
            // a take between the count and the flag did not wake the claim: look again
            if (waiting.size() <= prefetch / 2 && heldBack.compareAndSet(true, false)) {
                room = roomInPrefetch();
            }
        }
        if (room > 0) {
            // counted in the database only when the prefetch leaves room: wake-ups with a full prefetch cost nothing
            room = Math.min(room, maxInFlight - leasesHeld());
        }
        List<Visit> claimed = room <= 0 ? List.of() : claim(room);
        long now = System.nanoTime();
        claimed.forEach(visit -> waiting.put(visit.itemId(), now));
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, !claimed.isEmpty() && claimed.size() == room);
        return claimed;
    }

    private int roomInPrefetch() {
        int held = waiting.size();
        return held > prefetch / 2 ? 0 : Math.min(batchSize, prefetch - held);
    }

    /** Files of these stages are left in the queue until the set changes; a stage that resumes is claimed at once. */
    public void pauseStages(Set<Long> stageIds) {
        boolean resumed = !stageIds.containsAll(pausedStages);
        pausedStages = Set.copyOf(stageIds);
        if (resumed) {
            roomFreed.run();
        }
    }

    /** {@code AND stage_id NOT IN (...)} for the paused stages (ids are numbers from the database, never user text). */
    private String unpaused() {
        Set<Long> paused = pausedStages;
        return paused.isEmpty() ? "" : " AND stage_id NOT IN (" + paused.stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(", ")) + ")";
    }

    /**
     * A consumer took a claimed visit: if a claim was held back by a full prefetch, claim more once half of it is free,
     * without waiting for the next poll. Only then: during a trickle (a few files per notification) the prefetch is
     * never full, and waking the claim on every take made a claim, and a lease count, per file or two (2.1 files per
     * claim at 700 files/s in the benchmark) instead of one per notification.
     *
     * @return whether the visit was waiting for its first attempt (which its claim counted already)
     */
    private boolean stopWaiting(Visit visit) {
        boolean wasWaiting = waiting.remove(visit.itemId()) != null;
        if (wasWaiting && waiting.size() <= prefetch / 2 && heldBack.compareAndSet(true, false)) {
            roomFreed.run();
        }
        return wasWaiting;
    }

    /** Files this instance is delivering or holding in back-off; counted in the database, so it can never drift. */
    int leasesHeld() {
        Integer held = storage.jdbc().queryForObject(
                "SELECT COUNT(*) FROM assignment WHERE status = 'SENDING' AND lease_owner = ?", Integer.class, instanceId);
        return held == null ? 0 : held;
    }

    List<Visit> claim(int limit) {
        return storage.isPostgres() ? claimSkippingLocked(limit) : claimConditionally(limit);
    }

    /**
     * PostgreSQL: one atomic statement. Rows another instance is claiming are skipped, not waited for; the partial index
     * on QUEUED rows keeps the cost independent of the queue's length (plan in docs/scaling.md).
     */
    private List<Visit> claimSkippingLocked(int limit) {
        Instant now = clock.instant();
        return storage.jdbc().query(postgresClaim(unpaused()),
                (rs, n) -> new Visit(rs.getString("item_id"), rs.getLong("stage_id"), rs.getString("delivery_id"),
                        rs.getInt("attempts"), instanceId),
                instanceId, Storage.utc(now.plus(leaseDuration)), Storage.utc(now), limit);
    }

    /** The PostgreSQL claim; parameters: lease owner, lease expiry, now, how many. */
    static String postgresClaim(String unpaused) {
        return "UPDATE assignment SET status = 'SENDING', lease_owner = ?, lease_expires_at = ?,"
               + " updated_at = ?, attempts = attempts + 1,"
               + " delivery_id = COALESCE(delivery_id, 'msg_' || replace(gen_random_uuid()::text, '-', ''))"
               // ANY(ARRAY(...)): the candidates are found once, then updated through the primary key
               + " WHERE item_id = ANY(ARRAY(SELECT item_id FROM assignment WHERE status = 'QUEUED'"
               + unpaused + " ORDER BY assigned_at, item_id LIMIT ? FOR UPDATE SKIP LOCKED))"
               + " RETURNING item_id, stage_id, delivery_id, attempts - 1 AS attempts";
    }

    /** Portable (HSQLDB): select candidates, then claim each with an UPDATE that only succeeds while it is still QUEUED. */
    private List<Visit> claimConditionally(int limit) {
        JdbcTemplate jdbc = storage.jdbc();
        List<String> candidates = jdbc.queryForList(portableClaimCandidates(unpaused()), String.class, limit);
        if (candidates.isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        List<Object[]> rows = new ArrayList<>(candidates.size());
        for (String itemId : candidates) {
            rows.add(new Object[] {
                    instanceId, Storage.utc(now.plus(leaseDuration)), newDeliveryId(), Storage.utc(now), itemId });
        }
        int[] counts = jdbc.batchUpdate("UPDATE assignment SET status = 'SENDING', lease_owner = ?, lease_expires_at = ?,"
                                        + " delivery_id = COALESCE(delivery_id, ?), updated_at = ?, attempts = attempts + 1"
                                        + " WHERE item_id = ? AND status = 'QUEUED'",
                rows);
        List<String> won = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                won.add(candidates.get(i));
            }
        }
        return won.isEmpty() ? List.of() : visitsOf(won);
    }

    /**
     * The HSQLDB claim's candidates; parameter: how many. {@code status} leads the ORDER BY although it is constant:
     * HSQLDB reads an index in order (and stops after the limit) only when the ORDER BY names the index's columns
     * from the first, so this reads the head of ix_assignment_queue (status, assigned_at, item_id) instead of sorting
     * every queued file (changeset 10).
     */
    static String portableClaimCandidates(String unpaused) {
        return "SELECT item_id FROM assignment WHERE status = 'QUEUED'" + unpaused
               + " ORDER BY status, assigned_at, item_id FETCH FIRST ? ROWS ONLY";
    }

    private List<Visit> visitsOf(Collection<String> itemIds) {
        return new NamedParameterJdbcTemplate(storage.jdbc()).query(
                "SELECT item_id, stage_id, delivery_id, attempts - 1 AS attempts FROM assignment"
                                                                   + " WHERE lease_owner = :owner AND status = 'SENDING' AND item_id IN (:ids)"
                                                                   + " ORDER BY assigned_at, item_id",
                new MapSqlParameterSource("owner", instanceId).addValue("ids", itemIds),
                (rs, n) -> new Visit(rs.getString("item_id"), rs.getLong("stage_id"), rs.getString("delivery_id"),
                        rs.getInt("attempts"), instanceId));
    }

    /**
     * The first attempt after a claim: the claim counted it already (one statement and one commit fewer per file), so
     * only a visit that waited in memory for more than half its lease checks and renews the lease.
     *
     * @return false when the lease was lost
     */
    public boolean startClaimedAttempt(Visit visit) {
        Long claimedAt = waiting.get(visit.itemId());
        stopWaiting(visit);
        if (claimedAt != null && System.nanoTime() - claimedAt < leaseDuration.toNanos() / 2) {
            return true;
        }
        Instant now = clock.instant();
        return storage.jdbc().update("UPDATE assignment SET lease_expires_at = ?, updated_at = ?"
                                     + " WHERE " + HELD + " AND attempts = ?",
                Storage.utc(now.plus(leaseDuration)), Storage.utc(now), visit.itemId(), visit.leaseOwner(),
                visit.attemptsMade() + 1) == 1;
    }

    /**
     * Counts one more attempt (a retry) and renews the lease, atomically and only while this instance still holds it.
     *
     * @return false when the lease was lost (the file was recovered and maybe claimed by someone else)
     */
    public boolean startAttempt(Visit visit, int attemptsSoFar) {
        stopWaiting(visit);
        Instant now = clock.instant();
        return storage.jdbc().update("UPDATE assignment SET attempts = ?, lease_expires_at = ?, updated_at = ?"
                                     + " WHERE " + HELD + " AND attempts = ?",
                attemptsSoFar + 1, Storage.utc(now.plus(leaseDuration)), Storage.utc(now), visit.itemId(),
                visit.leaseOwner(), attemptsSoFar) == 1;
    }

    /**
     * Ends a visit: the file leaves the webhook stage for {@code target}, the transition is recorded, and if the target
     * is another webhook stage the file is queued there as a new visit (new delivery id, full attempt budget).
     */
    public void moveOn(Visit visit, StageConfig from, StageConfig target, String reason, String detail) {
        moveOn(visit, from, target, reason, detail, null);
    }

    /** As above, running {@code alsoWrite} (e.g. the delivered attempt's log row) in the same transaction. */
    public void moveOn(Visit visit, StageConfig from, StageConfig target, String reason, String detail, Runnable alsoWrite) {
        stopWaiting(visit);
        Instant now = clock.instant();
        boolean moved = Boolean.TRUE.equals(storage.transactions().execute(tx -> {
            int updated = storage.jdbc().update(
                    "UPDATE assignment SET stage_id = ?, status = ?, attempts = 0, delivery_id = NULL, lease_owner = NULL,"
                                                + " lease_expires_at = NULL, assigned_at = ?, updated_at = ?"
                                                + " WHERE " + HELD,
                    target.id(), statusIn(target), Storage.utc(now), Storage.utc(now), visit.itemId(), visit.leaseOwner());
            if (updated == 0) {
                return false;
            }
            recordTransition(visit.itemId(), from.id(), target.id(), reason, visit.deliveryId(), detail, now);
            if (alsoWrite != null) {
                alsoWrite.run();
            }
            return true;
        }));
        if (!moved && alsoWrite != null) {
            alsoWrite.run(); // the attempt happened even though another instance now holds the file
        }
        if (moved) {
            LOG.info("file {} moved {} -> {} ({}{})", visit.itemId(), from.qualifiedName(), target.name(), reason,
                    detail == null ? "" : ": " + detail);
        } else {
            throw new LeaseLostException(visit);
        }
    }

    /**
     * The last step of a visit in {@code routes/webhook-delivery.yaml}: moves the file to the stage the router chose
     * (exchange property {@code nextStage}: {@code on_success}, {@code on_failure}, or a stage name), recording the
     * outcome the delivery steps described.
     */
    public void moveToNextStage(Exchange exchange) {
        Visit visit = exchange.getProperty(VISIT, Visit.class);
        StageConfig from = exchange.getProperty(STAGE, StageConfig.class);
        String next = exchange.getProperty(NEXT_STAGE, String.class);
        StageConfig target = catalog.target(from, "on_success".equals(next) ? from.onSuccess()
                : "on_failure".equals(next) ? from.onFailure() : next);
        moveOn(visit, from, target, exchange.getProperty("outcome", String.class),
                exchange.getProperty("outcomeDetail", String.class), exchange.getProperty(WRITE_WITH_MOVE, Runnable.class));
    }

    /** Gives the claimed file of this exchange back to the queue, if it still holds the lease. */
    public void release(Exchange exchange) {
        Visit visit = exchange.getProperty(VISIT, Visit.class);
        if (visit == null) {
            visit = exchange.getMessage().getBody(Visit.class);
        }
        if (visit != null) {
            Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            if (cause instanceof StagePausedException) {
                LOG.info("file {}: {}", visit.itemId(), cause.getMessage());
                release(visit);
            } else if (!(cause instanceof LeaseLostException)) {
                LOG.warn("file {}: delivery interrupted ({}); returning it to the queue", visit.itemId(),
                        cause == null ? "no cause" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
                release(visit);
            } else {
                LOG.warn("file {}: {}", visit.itemId(), cause.getMessage());
            }
        }
    }

    /**
     * Puts a claimed file back in the queue (delivery id and attempts made kept), e.g. when the bundle stops or the stage
     * pauses. A file whose first attempt had not started gets back the attempt its claim counted.
     */
    public void release(Visit visit) {
        int refund = stopWaiting(visit) ? 1 : 0;
        int released = storage.jdbc().update("UPDATE assignment SET status = 'QUEUED', lease_owner = NULL,"
                                             + " lease_expires_at = NULL, updated_at = ?, attempts = attempts - ?"
                                             + " WHERE " + HELD,
                Storage.utc(clock.instant()), refund, visit.itemId(), visit.leaseOwner());
        if (released == 1) {
            LOG.info("file {} released back to the queue; its attempts so far still count", visit.itemId());
        }
    }

    /** Gives back every file this instance holds; used when the bundle stops. Unstarted first attempts are refunded. */
    public void releaseAll() {
        Instant now = clock.instant();
        java.util.List<String> unstarted = new ArrayList<>(waiting.keySet());
        int released = 0;
        for (int from = 0; from < unstarted.size(); from += 500) {
            released += new NamedParameterJdbcTemplate(storage.jdbc()).update(
                    "UPDATE assignment SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,"
                    + " updated_at = :now, attempts = attempts - 1"
                    + " WHERE status = 'SENDING' AND lease_owner = :owner AND item_id IN (:ids)",
                    new MapSqlParameterSource("now", Storage.utc(now)).addValue("owner", instanceId)
                            .addValue("ids", unstarted.subList(from, Math.min(unstarted.size(), from + 500))));
        }
        waiting.clear();
        released += storage.jdbc().update("UPDATE assignment SET status = 'QUEUED', lease_owner = NULL,"
                                          + " lease_expires_at = NULL, updated_at = ? WHERE status = 'SENDING' AND lease_owner = ?",
                Storage.utc(now), instanceId);
        if (released > 0) {
            LOG.info("{} file(s) still held by this instance went back to the queue, their attempts kept", released);
        }
    }

    /**
     * Assigns files to a stage, all or nothing: unknown files, or files being sent right now, refuse the whole request
     * with an {@link AssignmentRefused} and change nothing.
     */
    public void assign(List<String> itemIds, StageConfig target, String assignedBy) {
        Instant now = clock.instant();
        storage.transactions().executeWithoutResult(tx -> {
            java.util.Set<String> known = new java.util.HashSet<>(
                    storage.inChunks(itemIds, "SELECT item_id FROM file WHERE item_id IN (:ids)"));
            List<String> unknown = itemIds.stream().filter(id -> !known.contains(id)).toList();
            if (!unknown.isEmpty()) {
                throw new AssignmentRefused(404, "file_ids: no registered file has the id(s) " + shortList(unknown)
                                                 + "; register them first with POST /api/files");
            }
            List<String> sending = storage.inChunks(itemIds,
                    "SELECT item_id FROM assignment WHERE status = 'SENDING' AND item_id IN (:ids)");
            if (!sending.isEmpty()) {
                throw new AssignmentRefused(409, "file_ids: " + shortList(sending) + " are being delivered right now;"
                                                 + " assign them again once their delivery has ended");
            }
            for (String itemId : itemIds) {
                List<Long> current = storage.jdbc().queryForList("SELECT stage_id FROM assignment WHERE item_id = ?",
                        Long.class, itemId);
                if (current.isEmpty()) {
                    storage.jdbc().update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, updated_at)"
                                          + " VALUES (?, ?, ?, 0, ?, ?)",
                            itemId, target.id(), statusIn(target), Storage.utc(now), Storage.utc(now));
                } else {
                    storage.jdbc().update("UPDATE assignment SET stage_id = ?, status = ?, attempts = 0, delivery_id = NULL,"
                                          + " lease_owner = NULL, lease_expires_at = NULL, assigned_at = ?, updated_at = ?"
                                          + " WHERE item_id = ?",
                            target.id(), statusIn(target), Storage.utc(now), Storage.utc(now), itemId);
                }
                recordTransition(itemId, current.isEmpty() ? null : current.get(0), target.id(), "ASSIGNED", null,
                        "by " + assignedBy, now);
            }
        });
        LOG.info("{} file(s) assigned to {} by {}", itemIds.size(), target.qualifiedName(), assignedBy);
    }

    /** At most 20 ids, for a message. */
    private static String shortList(List<String> ids) {
        return ids.size() <= 20 ? ids.toString()
                : ids.subList(0, 20).toString().replace("]", ", … and " + (ids.size() - 20) + " more]");
    }

    /** The file's current stage and its transition history; empty when no file has that id. */
    public java.util.Optional<FileStatus> status(String itemId) {
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
                + " a.delivery_id, a.assigned_at FROM file f LEFT JOIN assignment a ON a.item_id = f.item_id"
                + " LEFT JOIN stage s ON s.id = a.stage_id WHERE f.item_id = ?",
                (rs, n) -> new FileStatus(rs.getString("item_id"), rs.getString("file_name"), rs.getString("workflow_name"),
                        rs.getString("stage_name"), rs.getString("type"), rs.getString("status"),
                        (Integer) rs.getObject("attempts"), rs.getString("delivery_id"),
                        Storage.instant(rs.getObject("assigned_at")), history),
                itemId);
        return found.stream().findFirst();
    }

    /**
     * One line about webhook work: files waiting and being sent per stage, and what ended in the last interval;
     * null when there is nothing to report.
     */
    public String summary(Duration interval) {
        StringBuilder line = new StringBuilder();
        storage.jdbc().query("SELECT s.workflow_name, s.name, a.status, COUNT(*) AS files FROM assignment a"
                             + " JOIN stage s ON s.id = a.stage_id WHERE a.status IN ('QUEUED', 'SENDING')"
                             + " GROUP BY s.workflow_name, s.name, a.status ORDER BY s.workflow_name, s.name, a.status",
                rs -> {
                    line.append(line.isEmpty() ? "" : ", ").append(rs.getString("workflow_name")).append('/')
                            .append(rs.getString("name")).append(' ').append(rs.getString("status").toLowerCase())
                            .append(' ').append(rs.getLong("files"));
                });
        java.time.Instant since = clock.instant().minus(interval);
        long delivered = count("DELIVERED", since);
        long failed = count("FAILED", since);
        if (line.isEmpty() && delivered + failed == 0) {
            return null;
        }
        double perSecond = (delivered + failed) / Math.max(1.0, interval.toMillis() / 1000.0);
        return "queue: " + (line.isEmpty() ? "nothing waiting" : line) + "; last " + interval.toSeconds() + "s: "
               + delivered + " delivered, " + failed + " failed (" + String.format(java.util.Locale.ROOT, "%.1f", perSecond)
               + " files/s)";
    }

    private long count(String reason, java.time.Instant since) {
        Long n = storage.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition WHERE reason = ? AND moved_at >= ?",
                Long.class, reason, Storage.utc(since));
        return n == null ? 0 : n;
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

    public String instanceId() {
        return instanceId;
    }

    public WorkflowCatalog catalog() {
        return catalog;
    }

    private void recordTransition(String itemId, Long fromStageId, long toStageId, String reason, String deliveryId,
            String detail, Instant at) {
        storage.jdbc().update("INSERT INTO stage_transition (item_id, from_stage_id, to_stage_id, reason, delivery_id, detail,"
                              + " moved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                itemId, fromStageId, toStageId, reason, deliveryId, truncate(detail, 1000), Storage.utc(at));
    }

    private static String statusIn(StageConfig stage) {
        return stage.type().isAutomated() ? "QUEUED" : "ASSIGNED";
    }

    static String newDeliveryId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }

    static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
