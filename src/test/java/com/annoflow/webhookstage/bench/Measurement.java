package com.annoflow.webhookstage.bench;

import static com.annoflow.webhookstage.bench.BenchConfig.DIR;
import static com.annoflow.webhookstage.bench.BenchConfig.PG_STATEMENTS;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.queue.PortableStatements;
import com.annoflow.webhookstage.queue.PostgresStatements;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the benchmark reads besides deliveries per second: CPU of every process (from /proc) and of the HSQLDB server's
 * threads, memory (VmHWM, VmRSS), PostgreSQL's counters and per-statement profile, the end of a run as the database
 * recorded it, and the cost of the claim statement on each database.
 */
final class Measurement {

    private final BenchProcesses processes;

    Measurement(BenchProcesses processes) {
        this.processes = processes;
    }

    /** CPU seconds (user + system) a process used so far, from /proc; 0 where there is no /proc. */
    private static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU seconds of every PostgreSQL server process (backends, WAL writer, ...). */
    private static double postgresCpuSeconds() {
        double total = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (Files.readString(p.resolve("comm")).trim().equals("postgres")) {
                        total += cpuSeconds(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }

    /**
     * CPU used so far: [bundle, this JVM without the HSQLDB server, receiver, postgres, HSQLDB server] seconds. The
     * HSQLDB server's share is the CPU of its threads in this JVM (one per connection, alive as long as the pools).
     */
    double[] cpuSnapshot() {
        double hsqldbServer = hsqldbServerCpuSeconds();
        Process bundle = processes.bundle();
        return new double[] { bundle == null ? 0 : cpuSeconds(bundle.pid()),
            cpuSeconds(ProcessHandle.current().pid()) - hsqldbServer, cpuSeconds(processes.receiver().pid()),
            postgresCpuSeconds(), hsqldbServer };
    }

    static double hsqldbServerCpuSeconds() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("HSQLDB ")) {
                nanos += Math.max(0, threads.getThreadCpuTime(thread.getId()));
            }
        }
        return nanos / 1e9;
    }

    /** CPU seconds per 1,000 deliveries of each measured run, by what ran ("postgresql bundle", …). */
    final Map<String, List<double[]>> cpu = new TreeMap<>();
    /** PostgreSQL's counters per delivery of each measured run, by "bundle" or "baseline". */
    final Map<String, List<double[]>> dbWork = new TreeMap<>();

    /** PostgreSQL's own counters for this database: commits, rows inserted, updated, fetched (by index), returned. */
    static double[] pgCounters(JdbcTemplate jdbc) {
        jdbc.execute("SELECT pg_stat_force_next_flush()");
        return jdbc.queryForObject("SELECT xact_commit, tup_inserted, tup_updated, tup_fetched, tup_returned"
                                   + " FROM pg_stat_database WHERE datname = current_database()",
                (rs, n) -> new double[] { rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5) });
    }

    void recordDbWork(String what, double[] before, double[] after, int files) {
        double[] perFile = new double[before.length];
        for (int i = 0; i < before.length; i++) {
            perFile[i] = (after[i] - before[i]) / files;
        }
        dbWork.computeIfAbsent(what, k -> new ArrayList<>()).add(perFile);
    }

    /** @return CPU seconds per 1,000 deliveries, in the columns of {@link #cpuSnapshot()} */
    double[] recordCpu(String what, double[] before, double[] after, int files) {
        double[] perThousand = new double[before.length];
        for (int i = 0; i < before.length; i++) {
            perThousand[i] = (after[i] - before[i]) * 1000.0 / files;
        }
        cpu.computeIfAbsent(what, k -> new ArrayList<>()).add(perThousand);
        System.out.printf(Locale.ROOT, "%s: CPU s per 1000 deliveries: bundle %.2f, benchmark %.2f, receiver %.2f,"
                                       + " PostgreSQL %.2f, HSQLDB server %.2f%n", what, perThousand[0], perThousand[1],
                perThousand[2], perThousand[3], perThousand[4]);
        return perThousand;
    }

    static long peakRssKb(Process process) {
        return statusKb(process, "VmHWM:");
    }

    static long rssKb(Process process) {
        return statusKb(process, "VmRSS:");
    }

    private static long statusKb(Process process, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // not Linux, or gone
        }
        return 0;
    }

    static long memTotalKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return 0;
    }

    /** From the start of the assignment to the last file's move into {@code next}, as the database recorded it. */
    static double secondsUntilLastMove(JdbcTemplate jdbc, Instant startedAt, long next) {
        Timestamp last = jdbc.queryForObject("SELECT MAX(moved_at) FROM stage_transition WHERE to_stage_id = ?",
                Timestamp.class, next);
        return Duration.between(startedAt, last.toInstant()).toNanos() / 1e9;
    }

    /** The same from the files' rows, for the minimal baseline, which writes no transitions: the last move's time. */
    static double secondsUntilLastAssignment(JdbcTemplate jdbc, Instant startedAt, long next) {
        Timestamp last = jdbc.queryForObject("SELECT MAX(assigned_at) FROM assignment WHERE stage_id = ?", Timestamp.class,
                next);
        return Duration.between(startedAt, last.toInstant()).toNanos() / 1e9;
    }

    static final int HSQLDB_CLAIM_SAMPLES = 200;

    /** The HSQLDB claim's candidate query (PortableStatements.DUE_CANDIDATES: both statuses in one statement), median ms. */
    static String hsqldbClaimMillis(JdbcTemplate jdbc, long stage) {
        List<Double> millis = new ArrayList<>();
        for (int sample = 0; sample < HSQLDB_CLAIM_SAMPLES; sample++) {
            long started = System.nanoTime();
            Timestamp now = Timestamp.from(Instant.now());
            jdbc.queryForList(PortableStatements.DUE_CANDIDATES, stage, now, 100, stage, now, 100);
            millis.add((System.nanoTime() - started) / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f", Report.median(millis));
    }

    static final int CLAIM_SAMPLES = 5;
    private static final Pattern BUFFERS_FOUND_OR_READ = Pattern.compile("(?:hit|read)=(\\d+)");

    /**
     * The bundle's PostgreSQL claim of 100, planned and run, then rolled back, {@value #CLAIM_SAMPLES} times: the median
     * execution time and the buffers it touched ("ms / buffers"). One timing alone swung between 0.9 and 7.7 ms on this
     * machine from run to run; the buffers say what the plan reads.
     */
    static String claimMillis(JdbcTemplate jdbc) {
        return claimMillis(jdbc, jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'bench' AND name = 'hook'",
                Long.class));
    }

    /** PostgresStatements.CLAIM_DUE_FILES of 100 files of the stage, its parameters written in. */
    static String postgresClaim(long stage) {
        String[] values = { "'bench'", "now() + interval '5 minutes'", "now()", Long.toString(stage), "now()", "100" };
        String sql = PostgresStatements.CLAIM_DUE_FILES;
        for (String value : values) {
            sql = sql.replaceFirst("\\?", Matcher.quoteReplacement(value));
        }
        return sql;
    }

    static String claimMillis(JdbcTemplate jdbc, long stageOfClaim) {
        List<Double> millis = new ArrayList<>();
        List<Double> buffers = new ArrayList<>();
        for (int sample = 0; sample < CLAIM_SAMPLES; sample++) {
            jdbc.execute((Connection c) -> {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) "
                             + postgresClaim(stageOfClaim))) {
                    boolean first = true;
                    while (rs.next()) {
                        String line = rs.getString(1).trim();
                        if (first && line.startsWith("Buffers:")) {
                            // the top node's: the whole statement's shared buffers, found in the cache or read
                            buffers.add((double) BUFFERS_FOUND_OR_READ.matcher(line).results()
                                    .mapToLong(m -> Long.parseLong(m.group(1))).sum());
                            first = false;
                        }
                        if (line.startsWith("Execution Time:")) {
                            millis.add(Double.parseDouble(line.replaceAll("[^0-9.]", "")));
                        }
                    }
                    return null;
                } finally {
                    c.rollback();
                    c.setAutoCommit(true);
                }
            });
        }
        return String.format(Locale.ROOT, "%.3f / %.0f", Report.median(millis), Report.median(buffers));
    }

    private Map<String, Double> serverCpuAtStart = Map.of();
    private long profileStartedNanos;

    /** CPU seconds of each PostgreSQL process, keyed "pid name" (its connection's application name or its type). */
    private static Map<String, Double> serverCpuByConnection(JdbcTemplate jdbc) {
        Map<String, Double> cpuByProcess = new HashMap<>();
        jdbc.query("SELECT pid, CASE WHEN backend_type = 'client backend' THEN 'connection ' || coalesce(nullif("
                   + "application_name, ''), '?') ELSE backend_type END AS name FROM pg_stat_activity", rs -> {
                       long pid = rs.getLong("pid");
                       cpuByProcess.put(pid + " " + rs.getString("name"), cpuSeconds(pid));
                   });
        return cpuByProcess;
    }

    /** Empties pg_stat_statements when {@code bench.pg-statements} is on; false when off or not loaded. */
    boolean startStatementProfile(JdbcTemplate jdbc) {
        if (!PG_STATEMENTS) {
            return false;
        }
        try {
            jdbc.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            jdbc.execute("SELECT pg_stat_statements_reset()");
            serverCpuAtStart = serverCpuByConnection(jdbc);
            profileStartedNanos = System.nanoTime();
            return true;
        } catch (RuntimeException notLoaded) {
            System.out.println("bench.pg-statements: pg_stat_statements is not loaded (shared_preload_libraries), no"
                               + " statement profile: " + notLoaded.getMessage());
            return false;
        }
    }

    /** Every statement of this database since the reset: calls and execution time per delivery, buffers per call. */
    void writeStatementProfile(JdbcTemplate jdbc, String name, int files) throws IOException {
        List<String> lines = new ArrayList<>();
        // CLOCK_MONOTONIC seconds, for a system-wide recording of the same window: perf record -k CLOCK_MONOTONIC ...
        lines.add(String.format(Locale.ROOT, "window (perf report --time): %.6f,%.6f", profileStartedNanos / 1e9,
                System.nanoTime() / 1e9));
        double[] total = new double[2];
        lines.add(String.format(Locale.ROOT, "%10s %10s %10s %10s %8s %10s %12s  %s", "calls/file", "ms/file", "ms/call",
                "buffers/call", "rows/call", "plans/call", "plan ms/file", "statement"));
        jdbc.query("SELECT calls, plans, total_exec_time, total_plan_time, shared_blks_hit + shared_blks_read AS buffers, rows, query"
                   + " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                   + " ORDER BY total_exec_time DESC", rs -> {
                       long calls = rs.getLong("calls");
                       double ms = rs.getDouble("total_exec_time");
                       total[0] += calls;
                       total[1] += ms;
                       lines.add(String.format(Locale.ROOT, "%10.3f %10.4f %10.4f %10.1f %8.1f %10.2f %12.4f  %s",
                               (double) calls / files, ms / files, ms / calls, (double) rs.getLong("buffers") / calls,
                               (double) rs.getLong("rows") / calls, (double) rs.getLong("plans") / calls,
                               rs.getDouble("total_plan_time") / files, rs.getString("query").replaceAll("\\s+", " ")));
                   });
        lines.add(2, String.format(Locale.ROOT, "%10.3f %10.4f  (all statements)", total[0] / files, total[1] / files));
        lines.add("");
        lines.add("server CPU ms per file, by connection (application_name or backend type; processes alive at both ends):");
        Map<String, Double> after = serverCpuByConnection(jdbc);
        Map<String, Double> byName = new TreeMap<>();
        serverCpuAtStart.forEach((process, cpuSeconds) -> {
            Double end = after.get(process);
            if (end != null) {
                byName.merge(process.substring(process.indexOf(' ') + 1), (end - cpuSeconds) * 1000 / files, Double::sum);
            }
        });
        byName.forEach((who, ms) -> lines.add(String.format(Locale.ROOT, "%10.4f  %s", ms, who)));
        Files.write(DIR.resolve("pg-statements-" + name + ".txt"), lines);
    }
}
