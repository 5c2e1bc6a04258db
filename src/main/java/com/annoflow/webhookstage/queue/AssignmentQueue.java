package com.annoflow.webhookstage.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The JDBC queue of stage assignments. A file is QUEUED when assigned to a webhook stage, SENDING while an instance
 * holds its lease, and ASSIGNED when it waits in a stage that people (or nobody) work on. Every write that follows a
 * claim is fenced by the lease owner, so an instance that lost its lease can never move a file twice.
 */
public final class AssignmentQueue {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.queue");
    private static final Duration TIMER_HORIZON = Duration.ofMinutes(1);

    private final Storage storage;
    private final WorkflowCatalog catalog;
    private final Clock clock;
    private final String instanceId;
    private final Duration leaseDuration;
    private final int batchSize;
    private final int maxInFlight;
    private final int prefetch;
    /** Files a stage may have claimed beyond its {@code max_concurrency}: half the delivery threads, at most. */
    private final int mostReadAhead;
    /** Claimed visits whose first attempt has not started: they hold a lease nobody renews, so keep them few. */
    private final Map<String, Long> waiting = new ConcurrentHashMap<>();
    private final Runnable roomFreed;
    /** A claim found the prefetch full and claimed nothing: the next take that leaves room wakes the claim. */
    private final AtomicBoolean heldBack = new AtomicBoolean();
    /**
     * The condition of every single-file statement after a claim: this file, and this instance still holds its lease.
     * Written so PostgreSQL can only find the file by its primary key, whatever its statistics say: with a plain
     * {@code lease_owner = ?} it chose the partial index of this instance's leases, and with {@code status = 'SENDING'}
     * added (as it was) the {@code (status, lease_expires_at)} index whenever its last ANALYZE saw few files SENDING
     * (at the start of every burst); both read every lease the instance held, on every move (found by the benchmark:
     * 134 buffers per move instead of 26, pg_stat_statements). The status needs no check: the schema allows a lease only while SENDING
     * (constraint {@code ck_assignment_lease_only_while_sending}).
     */
    static final String HELD = "item_id = ? AND COALESCE(lease_owner, '') = ?";
    /**
     * The status of a file handed back before its attempt ended: QUEUED if no attempt of this visit was made, WAITING
     * (due at once, its due time kept) if it was between retries. Lease recovery uses the same rule.
     */
    public static String releasedStatus(String attemptsAfter) {
        // each branch cast: HSQLDB types a CASE of two literals as CHARACTER(7) and stored 'QUEUED ' with a trailing
        // space (and a cast of the whole CASE keeps it); the schema now refuses such a status (ck_assignment_status)
        return "CASE WHEN " + attemptsAfter + " = 0 THEN CAST('QUEUED' AS VARCHAR(10)) ELSE CAST('WAITING' AS VARCHAR(10)) END";
    }

    /** Stages that are not sending (endpoint health): their files stay queued or waiting, unclaimed. */
    private volatile Set<Long> pausedStages = Set.of();
    /** The item ids of every visit this instance holds (claimed, its end not yet written). */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /**
     * The held visits that count against their stage's claim room ({@link #claimRoom}), by item id: its stage. A visit
     * counts from its claim until its attempt is over and its delivery thread free ({@link #attemptOver}), not until its
     * end is written: the wait for a group commit holds no thread.
     */
    private final Map<String, Long> occupying = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> occupyingPerStage = new ConcurrentHashMap<>();
    /** Stages whose claim was held back by their claim room: the end of their attempts wakes the claim. */
    private final Set<Long> atTheirLimit = ConcurrentHashMap.newKeySet();
    /** A claim was held back by {@code webhook.max-in-flight}. */
    private final AtomicBoolean inFlightFull = new AtomicBoolean();
    private final Map<Long, RateLimiter> pacing = new ConcurrentHashMap<>();
    /** Where the next claim starts among the stages, so none is always served first. */
    private final AtomicInteger rotation = new AtomicInteger();
    private final Consumer<Duration> wakeIn;
    /**
     * A file parked for less than this gets a timer for its due time: a minute, or the poll interval if longer. The
     * timers fall on 50 ms steps, so there are at most 1,200 a minute however many files wait; a longer wait is found
     * by a poll, at most a poll interval late.
     */
    private final Duration timerHorizon;
    /** The claim, parks and moves in this database's SQL. */
    private final QueueStatements statements;

    public AssignmentQueue(Storage storage, WorkflowCatalog catalog, Clock clock, String instanceId, Duration leaseDuration,
            int batchSize, int maxInFlight, int concurrency, Runnable roomFreed) {
        this(storage, catalog, clock, instanceId, leaseDuration, batchSize, maxInFlight, concurrency, roomFreed,
                wait -> roomFreed.run(), Duration.ofSeconds(1));
    }

    /**
     * @param roomFreed wakes the claim now
     * @param wakeIn    wakes the claim after a wait (a retry due within a minute, a paced stage)
     */
    public AssignmentQueue(Storage storage, WorkflowCatalog catalog, Clock clock, String instanceId, Duration leaseDuration,
            int batchSize, int maxInFlight, int concurrency, Runnable roomFreed, Consumer<Duration> wakeIn,
            Duration pollInterval) {
        this.storage = storage;
        this.catalog = catalog;
        this.clock = clock;
        this.instanceId = instanceId;
        this.leaseDuration = leaseDuration;
        this.batchSize = batchSize;
        this.maxInFlight = maxInFlight;
        this.prefetch = 2 * concurrency;
        this.mostReadAhead = Math.max(1, concurrency / 2);
        this.roomFreed = roomFreed;
        this.wakeIn = wakeIn;
        this.timerHorizon = pollInterval.compareTo(TIMER_HORIZON) > 0 ? pollInterval : TIMER_HORIZON;
        this.statements = QueueStatements.forDatabase(storage, instanceId, leaseDuration);
        for (StageConfig stage : catalog.stages()) {
            if (stage.type().isAutomated() && stage.isRateLimited()) {
                pacing.put(stage.id(), pacer(stage));
            }
        }
    }

    /**
     * {@code max_per_second} as a Resilience4j rate limiter that never blocks: about a tenth of a second's requests per
     * period (at least one), so a paced stage sends evenly rather than a second's worth at once. The claim and the
     * delivery lanes each have their own.
     */
    public static RateLimiter pacer(StageConfig stage) {
        int perPeriod = (int) Math.max(1, Math.round(stage.maxPerSecond() / 10));
        long periodNanos = (long) (perPeriod / stage.maxPerSecond() * 1_000_000_000L);
        return RateLimiter.of(stage.qualifiedName(), RateLimiterConfig.custom().limitForPeriod(perPeriod)
                .limitRefreshPeriod(Duration.ofNanos(periodNanos)).timeoutDuration(Duration.ZERO).build());
    }

    /**
     * Claims files that are due, as many as this instance has room for, with a lease, fairly across the webhook stages
     * that have due files: each stage gets an equal share of the room (more when others need less), never more than its
     * claim room ({@link #claimRoom}: its {@code max_concurrency} and a read-ahead) nor more than its
     * {@code max_per_second} allows.
     */
    public Claim claim() {
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
        int inFlightRoom = maxInFlight - held.size();
        if (room > 0 && inFlightRoom <= 0) {
            inFlightFull.set(true);
            room = 0;
        } else if (room > inFlightRoom) {
            room = inFlightRoom;
        }
        List<Visit> claimed = room <= 0 ? List.of() : claimFairly(room);
        if (held.size() >= maxInFlight) {
            inFlightFull.set(true);
            // visits that ended since the count did not see the flag
            if (held.size() <= maxInFlight / 2 && inFlightFull.compareAndSet(true, false)) {
                roomFreed.run();
            }
        }
        long now = System.nanoTime();
        for (Visit visit : claimed) {
            waiting.put(visit.itemId(), now);
        }
        return new Claim(claimed, !claimed.isEmpty() && claimed.size() == room);
    }

    /**
     * What a claim took: the visits, and whether they filled the room it had (then more may be due, and the scheduler
     * polls again at once).
     */
    public record Claim(List<Visit> visits, boolean filledItsRoom) {
    }

    private int roomInPrefetch() {
        int taken = waiting.size();
        return taken > prefetch / 2 ? 0 : Math.min(batchSize, prefetch - taken);
    }

    private List<Visit> claimFairly(int room) {
        List<StageConfig> stages = new ArrayList<>();
        for (StageConfig stage : catalog.stages()) {
            if (stage.type().isAutomated() && !pausedStages.contains(stage.id())) {
                stages.add(stage);
            }
        }
        if (stages.isEmpty()) {
            return List.of();
        }
        stages.sort(Comparator.comparingLong(StageConfig::id));
        Collections.rotate(stages, -Math.floorMod(rotation.getAndIncrement(), stages.size()));
        Instant now = clock.instant();
        List<Visit> claimed = new ArrayList<>();
        // first an equal share each, then what is left to the stages that filled their share
        List<StageConfig> wantMore = new ArrayList<>();
        int share = Math.max(1, (room + stages.size() - 1) / stages.size());
        for (StageConfig stage : stages) {
            int asked = Math.min(share, room - claimed.size());
            if (asked <= 0) {
                break;
            }
            int got = claimFrom(stage, asked, now, claimed);
            if (got == asked) {
                wantMore.add(stage);
            }
        }
        for (StageConfig stage : wantMore) {
            int asked = room - claimed.size();
            if (asked <= 0) {
                break;
            }
            claimFrom(stage, asked, now, claimed);
        }
        return claimed;
    }

    /**
     * How many visits of a stage this instance may hold before their attempts are over: its {@code max_concurrency}
     * (the delivery threads it may hold, counted by the delivery lanes) and a read-ahead of as many again, at most half
     * the delivery threads. The read-ahead waits in the stage's delivery lane, so its next files are claimed and read
     * while its threads are busy, and a burst larger than its room is claimed in one go.
     */
    private int claimRoom(StageConfig stage) {
        return stage.maxConcurrency() + readAhead(stage);
    }

    private int readAhead(StageConfig stage) {
        return Math.min(stage.maxConcurrency(), mostReadAhead);
    }

    /** A stage held back by its claim room is claimed again once half its read-ahead has gone to delivery threads. */
    private int wakeAt(StageConfig stage) {
        return stage.maxConcurrency() + readAhead(stage) / 2;
    }

    /** Claims up to {@code asked} due files of one stage within its limits; says how many it claimed. */
    private int claimFrom(StageConfig stage, int asked, Instant now, List<Visit> claimed) {
        int stageRoom = claimRoom(stage) - occupyingIn(stage.id());
        if (stageRoom <= 0) {
            atItsLimit(stage);
            return 0;
        }
        int limit = Math.min(asked, stageRoom);
        RateLimiter pacer = pacing.get(stage.id());
        if (pacer != null) {
            // permits first, then the claim: a permit the claim finds no file for is lost (slower, never faster)
            int permits = 0;
            while (permits < limit && pacer.acquirePermission()) {
                permits++;
            }
            if (permits < limit) {
                wakeIn.accept(pacer.getRateLimiterConfig().getLimitRefreshPeriod());
            }
            limit = permits;
            if (limit == 0) {
                return 0;
            }
        }
        List<Visit> visits = statements.claim(stage, limit, now);
        AtomicInteger count = occupyingPerStage.computeIfAbsent(stage.id(), id -> new AtomicInteger());
        for (Visit visit : visits) {
            held.add(visit.itemId());
            occupying.put(visit.itemId(), stage.id());
            count.incrementAndGet();
        }
        if (visits.size() == stageRoom) {
            // it took all its room: the end of its visits (not the next poll) brings the next claim
            atItsLimit(stage);
        }
        claimed.addAll(visits);
        return visits.size();
    }

    /**
     * The stage's claim was held back by its claim room: the end of its attempts wakes the claim once half its
     * read-ahead is taken ({@link #wakeAt}). Visits that ended since the count did not see the mark, so look once more.
     */
    private void atItsLimit(StageConfig stage) {
        atTheirLimit.add(stage.id());
        if (occupyingIn(stage.id()) <= wakeAt(stage) && atTheirLimit.remove(stage.id())) {
            roomFreed.run();
        }
    }

    private int occupyingIn(long stageId) {
        AtomicInteger count = occupyingPerStage.get(stageId);
        return count == null ? 0 : count.get();
    }

    /**
     * A visit ended on this instance (moved on, parked for a retry, released, or its lease lost): its stage and this
     * instance have room again, and a claim held back by either is woken once half of the room is free.
     */
    private void forget(Visit visit) {
        stopWaiting(visit);
        boolean wake = freeStageRoom(visit);
        if (held.remove(visit.itemId()) && held.size() <= maxInFlight / 2 && inFlightFull.compareAndSet(true, false)) {
            wake = true;
        }
        if (wake) {
            roomFreed.run();
        }
    }

    /**
     * The visit's attempt is over and its delivery thread free (its end is being gathered for a group commit): its
     * stage has room for another visit at once. The visit keeps its lease and its place in {@code webhook.max-in-flight}
     * until its end is written.
     */
    public void attemptOver(Visit visit) {
        if (freeStageRoom(visit)) {
            roomFreed.run();
        }
    }

    /** Says whether a claim held back by the stage's claim room should be woken now. */
    private boolean freeStageRoom(Visit visit) {
        Long stageId = occupying.remove(visit.itemId());
        if (stageId == null) {
            return false;
        }
        int left = occupyingPerStage.get(stageId).decrementAndGet();
        return atTheirLimit.contains(stageId) && left <= wakeAt(catalog.stage(stageId)) && atTheirLimit.remove(stageId);
    }

    /** Files of these stages are left in the queue until the set changes; a stage that resumes is claimed at once. */
    public void pauseStages(Set<Long> stageIds) {
        boolean resumed = !stageIds.containsAll(pausedStages);
        pausedStages = Set.copyOf(stageIds);
        if (resumed) {
            roomFreed.run();
        }
    }

    /**
     * A consumer took a claimed visit: if a claim was held back by a full prefetch, claim more once half of it is free,
     * without waiting for the next poll. Only then: during a trickle (a few files per notification) the prefetch is
     * never full, and waking the claim on every take made a claim per file or two (2.1 files per claim at 700 files/s
     * in the benchmark) instead of one per notification.
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

    /** A visit whose lease another instance took: this instance has room again, and writes nothing. */
    public void leaseLost(Visit visit) {
        forget(visit);
    }

    /**
     * Puts a claimed file back in the queue (delivery id, attempts made and due time kept, so it keeps its place), e.g.
     * when the bundle stops or the stage pauses. A file whose attempt had not started gets back the attempt its claim
     * counted.
     */
    public void release(Visit visit) {
        int refund = waiting.containsKey(visit.itemId()) ? 1 : 0;
        forget(visit);
        int released = storage.jdbc().update("UPDATE assignment SET status = " + releasedStatus("attempts - " + refund)
                                             + ", lease_owner = NULL, lease_expires_at = NULL, due_at = COALESCE(due_at, ?),"
                                             + " updated_at = ?, attempts = attempts - " + refund + " WHERE " + HELD,
                Storage.utc(clock.instant()), Storage.utc(clock.instant()), visit.itemId(), visit.leaseOwner());
        if (released == 1) {
            LOG.info("file {} released back to the queue; its attempts so far still count", visit.itemId());
        }
    }

    /** A file that waits for its next attempt until {@code due}; {@code traceContext} (or null) is kept for it. */
    public record Park(Visit visit, Instant due, String traceContext) {
    }

    /**
     * The end of a visit that leaves the webhook stage for {@code target} (chosen by the router), recorded as a
     * transition with {@code reason} and {@code detail}. Into another webhook stage the file is queued as a new visit
     * (new delivery id, full attempt budget).
     */
    public record Move(Visit visit, StageConfig from, StageConfig target, String reason, String detail) {
    }

    /** What {@link #endAll} wrote: for each park and each move, whether this instance still held the file. */
    public record Ended(boolean[] parked, boolean[] moved) {
    }

    /**
     * Ends a group of visits in one transaction: the parks (the file waits in the database until its due time, status
     * WAITING, holding no lease, no thread and no room in this instance; attempts made and delivery id stay in its
     * row), the moves (each with its transition), and {@code alsoWrite} (the attempts' log rows). One commit for the
     * whole group; every row fenced by its lease, so a file another instance took meanwhile is left to it and the rest
     * of the group goes on. The visits count as ended here before the write: a failed write leaves their files SENDING
     * under leases nobody renews, and lease recovery hands them back with their attempts counted.
     */
    public Ended endAll(List<Park> parks, List<Move> moves, Runnable alsoWrite) {
        parks.forEach(park -> forget(park.visit()));
        moves.forEach(move -> forget(move.visit()));
        Instant now = clock.instant();
        boolean[][] written = storage.transactions().execute(tx -> {
            boolean[] parkedHere = parks.isEmpty() ? new boolean[0] : statements.parkAll(parks, now);
            boolean[] movedHere = moves.isEmpty() ? new boolean[0] : statements.moveAll(moves, now);
            List<StageEntry.Transition> transitions = new ArrayList<>();
            for (int i = 0; i < movedHere.length; i++) {
                if (movedHere[i]) {
                    Move move = moves.get(i);
                    transitions.add(new StageEntry.Transition(move.visit().itemId(), move.from().id(), move.target().id(),
                            move.reason(), move.visit().deliveryId(), move.detail()));
                }
            }
            StageEntry.recordAll(storage, transitions, now);
            // the attempts happened, whether or not this instance still held each file
            if (alsoWrite != null) {
                alsoWrite.run();
            }
            return new boolean[][] { parkedHere, movedHere };
        });
        boolean[] parked = written[0];
        for (int i = 0; i < parked.length; i++) {
            Duration wait = Duration.between(now, parks.get(i).due());
            if (parked[i] && wait.compareTo(timerHorizon) < 0) {
                // claimed at its due time, not at the first poll after it (up to a poll interval late: a second on
                // top of a one-second wait, the last retries of a burst); longer waits are left to the poll
                wakeIn.accept(wait.isNegative() ? Duration.ZERO : wait);
            }
        }
        boolean[] moved = written[1];
        boolean intoAWebhookStage = false;
        for (int i = 0; i < moved.length; i++) {
            Move move = moves.get(i);
            if (moved[i]) {
                LOG.info("file {} moved {} -> {} ({}{})", move.visit().itemId(), move.from().qualifiedName(),
                        move.target().name(), move.reason(), move.detail() == null ? "" : ": " + move.detail());
                intoAWebhookStage |= move.target().type().isAutomated();
            }
        }
        if (intoAWebhookStage) {
            // on into another webhook stage (a chain): due there now, so claimed now, not at the next poll
            roomFreed.run();
        }
        return new Ended(parked, moved);
    }

    /** Gives back every file this instance holds; used when the bundle stops. Unstarted first attempts are refunded. */
    public void releaseAll() {
        Instant now = clock.instant();
        List<String> unstarted = new ArrayList<>(waiting.keySet());
        int released = 0;
        for (int from = 0; from < unstarted.size(); from += 500) {
            released += new NamedParameterJdbcTemplate(storage.jdbc()).update(
                    "UPDATE assignment SET status = " + releasedStatus("attempts - 1") + ", lease_owner = NULL,"
                    + " lease_expires_at = NULL, due_at = COALESCE(due_at, :now), updated_at = :now, attempts = attempts - 1"
                    + " WHERE status = 'SENDING' AND lease_owner = :owner AND item_id IN (:ids)",
                    new MapSqlParameterSource("now", Storage.utc(now)).addValue("owner", instanceId)
                            .addValue("ids", unstarted.subList(from, Math.min(unstarted.size(), from + 500))));
        }
        waiting.clear();
        held.clear();
        occupying.clear();
        occupyingPerStage.clear();
        released += storage.jdbc().update("UPDATE assignment SET status = " + releasedStatus("attempts") + ", lease_owner = NULL,"
                                          + " lease_expires_at = NULL, due_at = COALESCE(due_at, ?), updated_at = ?"
                                          + " WHERE status = 'SENDING' AND lease_owner = ?",
                Storage.utc(now), Storage.utc(now), instanceId);
        if (released > 0) {
            LOG.info("{} file(s) still held by this instance went back to the queue, their attempts kept", released);
        }
    }
}
