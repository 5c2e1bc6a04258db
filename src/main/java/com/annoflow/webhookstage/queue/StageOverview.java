package com.annoflow.webhookstage.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.storage.Storage;

/**
 * What a webhook stage holds and how its deliveries went, for operators (the console, or curl): counts by status, a
 * per-minute series of the last hour, and its files filtered by status or by the outcome of their latest visit. Every
 * query reads through an index that starts with the stage: the queue's, the delivery log's (stage, time), and the
 * transitions' failed-visit index (changeset 15).
 */
public final class StageOverview {

    /** The filters of {@link #files}: a status in the stage now, or the outcome of the file's latest visit of it. */
    public enum Filter {
        QUEUED, SENDING, WAITING, FAILED, DELIVERED;

        public static String labels() {
            return "queued, sending, waiting, failed, delivered";
        }

        /** The filter named {@code label} (any case), or null. */
        public static Filter of(String label) {
            for (Filter filter : values()) {
                if (filter.name().equalsIgnoreCase(label)) {
                    return filter;
                }
            }
            return null;
        }
    }

    /**
     * @param failed files whose latest visit of the stage failed, wherever {@code on_failure} sent them, and that are not
     *               in the stage again
     * @param deliveredLastHour visits delivered in the last hour
     */
    public record Counts(int queued, int sending, int waiting, int failed, int deliveredLastHour) {
    }

    /** Attempts of one minute: how many delivered, how many failed (any other outcome). */
    public record Minute(Instant minute, int delivered, int failed) {
    }

    /**
     * One file of a page: its id and name, its status in the stage or its latest visit's outcome, when (entered the
     * stage, or the visit ended), the attempts made, the delivery id, and its latest attempt's error and HTTP status.
     */
    public record StageFile(String itemId, String name, String status, Instant at, Integer attempts, String deliveryId,
            String lastError, Integer lastHttpStatus) {
    }

    /** A page of files, newest first; {@code nextOffset} is null on the last page. */
    public record Page(List<StageFile> files, Integer nextOffset) {
    }

    private final Storage storage;
    private final Clock clock;

    public StageOverview(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /** The stage's counts, with the per-minute series of the last hour the delivered count is summed from. */
    public record Summary(Counts counts, List<Minute> lastHour) {
    }

    public Summary summary(long stageId) {
        int[] byStatus = new int[3];
        storage.jdbc().query("SELECT status, COUNT(*) AS n FROM assignment WHERE stage_id = ? GROUP BY status", rs -> {
            switch (rs.getString("status")) {
                case "QUEUED" -> byStatus[0] = rs.getInt("n");
                case "SENDING" -> byStatus[1] = rs.getInt("n");
                case "WAITING" -> byStatus[2] = rs.getInt("n");
                default -> {
                    // ASSIGNED does not occur in a webhook stage
                }
            }
        }, stageId);
        Integer failed = storage.jdbc().queryForObject("SELECT COUNT(*) FROM stage_transition t WHERE " + LATEST_FAILED,
                Integer.class, stageId);
        List<Minute> lastHour = lastHour(stageId);
        int delivered = lastHour.stream().skip(1).mapToInt(Minute::delivered).sum();
        return new Summary(new Counts(byStatus[0], byStatus[1], byStatus[2], failed, delivered), lastHour);
    }

    /**
     * The 60 minutes before the current one and the current one, oldest first, each with its delivered and failed
     * attempts: counted by the database per minute (the delivery log's (stage, time) index), not read row by row.
     */
    private List<Minute> lastHour(long stageId) {
        long now = clock.instant().getEpochSecond() / 60;
        long first = now - 60;
        int[][] counts = new int[61][2];
        String minute = storage.epochMinute("attempted_at");
        storage.jdbc().query("SELECT " + minute + " AS minute, SUM(CASE WHEN outcome = 'DELIVERED' THEN 1 ELSE 0 END)"
                             + " AS delivered, COUNT(*) AS attempts FROM delivery_attempt WHERE stage_id = ?"
                             + " AND attempted_at >= ? GROUP BY " + minute,
                rs -> {
                    long at = rs.getLong("minute");
                    if (at >= first && at <= now) {
                        counts[(int) (at - first)][0] = rs.getInt("delivered");
                        counts[(int) (at - first)][1] = rs.getInt("attempts") - rs.getInt("delivered");
                    }
                }, stageId, Storage.utc(Instant.ofEpochSecond(first * 60)));
        List<Minute> series = new ArrayList<>();
        for (int i = 0; i <= 60; i++) {
            series.add(new Minute(Instant.ofEpochSecond((first + i) * 60), counts[i][0], counts[i][1]));
        }
        return series;
    }

    /** The stage's files that match {@code filter}, newest first, {@code limit} from {@code offset}. */
    public Page files(long stageId, Filter filter, int limit, int offset) {
        String page = " OFFSET " + offset + " ROWS FETCH FIRST " + (limit + 1) + " ROWS ONLY";
        List<StageFile> files = switch (filter) {
            case QUEUED, SENDING, WAITING -> storage.jdbc().query(
                    "SELECT a.item_id, f.name, a.status, a.assigned_at, a.attempts, a.delivery_id FROM assignment a"
                    + " JOIN file f ON f.item_id = a.item_id WHERE a.stage_id = ? AND a.status = ?"
                    + " ORDER BY a.assigned_at DESC, a.item_id DESC" + page,
                    (rs, n) -> new StageFile(rs.getString("item_id"), rs.getString("name"), rs.getString("status"),
                            Storage.instant(rs.getObject("assigned_at")), (Integer) rs.getObject("attempts"),
                            rs.getString("delivery_id"), null, null),
                    stageId, filter.name());
            case FAILED -> storage.jdbc().query(
                    "SELECT t.item_id, f.name, t.moved_at, t.delivery_id FROM stage_transition t"
                    + " JOIN file f ON f.item_id = t.item_id WHERE " + LATEST_FAILED + " ORDER BY t.id DESC" + page,
                    (rs, n) -> new StageFile(rs.getString("item_id"), rs.getString("name"), "FAILED",
                            Storage.instant(rs.getObject("moved_at")), null, rs.getString("delivery_id"), null, null),
                    stageId);
            case DELIVERED -> storage.jdbc().query(
                    "SELECT d.item_id, f.name, d.attempted_at, d.attempt, d.delivery_id FROM delivery_attempt d"
                    + " JOIN file f ON f.item_id = d.item_id WHERE d.stage_id = ? AND d.outcome = 'DELIVERED'"
                    + " ORDER BY d.attempted_at DESC, d.id DESC" + page,
                    (rs, n) -> new StageFile(rs.getString("item_id"), rs.getString("name"), "DELIVERED",
                            Storage.instant(rs.getObject("attempted_at")), rs.getInt("attempt"),
                            rs.getString("delivery_id"), null, null),
                    stageId);
        };
        Integer next = null;
        if (files.size() > limit) {
            files = files.subList(0, limit);
            next = offset + limit;
        }
        List<StageFile> withLastAttempt = new ArrayList<>();
        for (StageFile file : files) {
            withLastAttempt.add(filter == Filter.DELIVERED || filter == Filter.QUEUED && file.attempts() == 0 ? file
                    : withLastAttempt(file, stageId));
        }
        return new Page(withLastAttempt, next);
    }

    /** The file with its latest attempt's error and HTTP status in the stage, if it made one. */
    private StageFile withLastAttempt(StageFile file, long stageId) {
        List<StageFile> latest = storage.jdbc().query(
                "SELECT error, http_status, attempt FROM delivery_attempt WHERE item_id = ? AND stage_id = ?"
                + " ORDER BY id DESC FETCH FIRST 1 ROWS ONLY",
                (rs, n) -> new StageFile(file.itemId(), file.name(), file.status(), file.at(),
                        file.attempts() != null ? file.attempts() : Integer.valueOf(rs.getInt("attempt")),
                        file.deliveryId(), rs.getString("error"), (Integer) rs.getObject("http_status")),
                file.itemId(), stageId);
        return latest.isEmpty() ? file : latest.get(0);
    }

    /**
     * A transition {@code t} that is a file's latest visit of the stage (the parameter), failed, while the file is
     * elsewhere now (a file back in the stage is being visited again).
     */
    private static final String LATEST_FAILED = "t.from_stage_id = ? AND t.reason = 'FAILED'"
            + " AND t.id = (SELECT MAX(l.id) FROM stage_transition l WHERE l.item_id = t.item_id"
            + " AND l.from_stage_id = t.from_stage_id)"
            + " AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.item_id = t.item_id AND a.stage_id = t.from_stage_id)";
}
