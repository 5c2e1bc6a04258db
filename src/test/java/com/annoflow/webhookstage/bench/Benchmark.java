package com.annoflow.webhookstage.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.annoflow.webhookstage.files.Dataset;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.files.Slot;
import com.annoflow.webhookstage.files.SourceFile;
import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.files.Team;
import com.annoflow.webhookstage.payload.WebhookPayload;
import com.annoflow.webhookstage.storage.Storage;
import org.HdrHistogram.Histogram;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The throughput and latency benchmark (docs/benchmarks.md): {@code mvn -B -Pbench -DskipTests verify}.
 * For each database: a receiver in its own JVM, the bundle in its own JVM (as {@code mvn camel:run} starts it, with
 * routes/ and config/), and the raw baseline in this JVM, alternating, on the same files and the same database.
 * Prints a table and writes it to target/bench/results.md. Every wait is bounded; it stops by itself.
 */
public final class Benchmark {

    private static final int FILES = Integer.getInteger("bench.files", 20_000);
    private static final int ANNOTATED_FILES = Integer.getInteger("bench.annotated-files", 5_000);
    private static final int RUNS = Integer.getInteger("bench.runs", 3);
    /** Rounds run before the measured ones, to warm the JIT and the pools of the bundle and of the baseline. */
    private static final int WARM_UP_ROUNDS = Integer.getInteger("bench.warm-up-rounds", 1);
    private static final int WARM_UP_PASSES = Integer.getInteger("bench.warm-up-passes", 8);
    private static final int MIN_WARM_UP_PASSES = 3;
    private static final int LATENCY_SECONDS = Integer.getInteger("bench.latency-seconds", 20);
    private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 32);
    private static final int BASELINE_THREADS = Integer.getInteger("bench.baseline-threads", 8);
    private static final String DATABASES = System.getProperty("bench.databases", "hsqldb,postgresql");
    private static final Duration RUN_LIMIT = Duration.ofMinutes(Integer.getInteger("bench.run-limit-minutes", 10));
    private static final Path DIR = Path.of("target", "bench");
    /**
     * How often a run checks whether every file moved on. The end of a run is read from the database (the last move's
     * time), so the check can be rare: at 50 ms its COUNT cost PostgreSQL a seventh of a core during every run.
     */
    static final int PROGRESS_CHECK_MILLIS = 250;
    private static final int MILLION = Integer.getInteger("bench.waiting-files", 1_000_000);
    /** Files waiting for a retry (due in an hour) while the claim is measured and the bundle delivers (issue 15). */
    private static final int RETRY_WAITING = Integer.getInteger("bench.retry-waiting-files", 100_000);
    /**
     * PostgreSQL, profiling only: per-statement figures (pg_stat_statements) of each measured bundle and baseline run,
     * written to target/bench/pg-statements-*.txt. Needs the module preloaded (docs/benchmarks.md, "Reproducing a
     * profile"); its bookkeeping costs both sides alike.
     */
    private static final boolean PG_STATEMENTS = Boolean.getBoolean("bench.pg-statements");
    /**
     * Diagnostics: more latency runs after the measured one, at these fixed rates (files/s, comma-separated), each with
     * its CPU per delivery (and with bench.pg-statements its statement profile): where latency turns from flat to
     * growing, and what a trickle costs per file next to a burst.
     */
    private static final String LATENCY_RATES = System.getProperty("bench.latency-rates", "");

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> report = new ArrayList<>();
    private Process receiver;
    private int receiverPort;
    private Process bundle;
    private int managementPort;
    private int apiPort;

    public static void main(String[] args) throws Exception {
        Benchmark benchmark = new Benchmark();
        Runtime.getRuntime().addShutdownHook(new Thread(benchmark::killChildren));
        try {
            benchmark.run();
        } finally {
            benchmark.killChildren();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(DIR);
        line("# Benchmark run " + Instant.now());
        line("");
        line("machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
             + (memTotalKb() / 1024) + " MB RAM, Java " + System.getProperty("java.version") + " ("
             + System.getProperty("java.vm.name") + "), " + System.getProperty("os.name") + " " + System.getProperty("os.version"));
        line("files " + FILES + " (about 2 KB of metadata each), annotated files " + ANNOTATED_FILES
             + " (about 20 KB of annotations each), runs " + RUNS + ", bundle webhook.concurrency " + CONCURRENCY
             + ", baseline threads " + BASELINE_THREADS);
        startReceiver();
        for (String database : DATABASES.split(",")) {
            runOn(database.trim());
        }
        Files.write(DIR.resolve("results.md"), report);
        System.out.println("written to " + DIR.resolve("results.md"));
    }

    private void runOn(String database) throws Exception {
        if (database.equals("hsqldb-embedded")) {
            new EmbeddedRuns().run();
            return;
        }
        String url;
        org.hsqldb.server.Server hsqldb = null;
        if (database.equals("hsqldb")) {
            deleteRecursively(DIR.resolve("hsqldb"));
            hsqldb = new org.hsqldb.server.Server();
            hsqldb.setAddress("127.0.0.1");
            int port = freePort();
            hsqldb.setPort(port);
            hsqldb.setDatabaseName(0, "bench");
            hsqldb.setDatabasePath(0, "file:" + DIR.resolve("hsqldb").toAbsolutePath() + "/bench;hsqldb.tx=locks");
            hsqldb.setSilent(true);
            hsqldb.setLogWriter(null);
            hsqldb.start();
            url = "jdbc:hsqldb:hsql://127.0.0.1:" + port + "/bench";
        } else {
            try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                 Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS webhook_bench WITH (FORCE)");
                s.execute("CREATE DATABASE webhook_bench");
                String syncCommit = System.getProperty("bench.pg-synchronous-commit", "");
                if (!syncCommit.isBlank()) {
                    s.execute("ALTER DATABASE webhook_bench SET synchronous_commit = " + (syncCommit.equals("off") ? "off" : "on"));
                }
            } catch (Exception e) {
                line("");
                line("## postgresql: skipped, no PostgreSQL at 127.0.0.1:5432 (" + e.getMessage() + ")");
                return;
            }
            url = "jdbc:postgresql://127.0.0.1:5432/webhook_bench";
        }
        String user = database.equals("hsqldb") ? "SA" : "postgres";
        Path workflow = writeWorkflow();
        try {
            startBundle(database, url, user, workflow);
            // named apart from the bundle's connections (webhook-stage) in pg_stat_activity
            Storage storage = new Storage(database.equals("hsqldb") ? url : url + "?ApplicationName=webhook-bench", user,
                    "", BASELINE_THREADS + 2);
            try {
                benchmarkOn(database, storage);
            } finally {
                stopBundle();
                storage.stop();
            }
        } finally {
            if (hsqldb != null) {
                hsqldb.shutdownCatalogs(org.hsqldb.Database.CLOSEMODE_NORMAL);
                hsqldb.stop();
            }
        }
    }

    private String bundleUrl;
    private String bundleUser;
    private Path bundleWorkflow;
    private String bundleDatabase;
    /** Each workflow's dataset stage and its files: where reset() puts every file back. */
    private final Map<Long, List<String>> homes = new java.util.LinkedHashMap<>();

    private void benchmarkOn(String database, Storage storage) throws Exception {
        JdbcTemplate jdbc = storage.jdbc();
        List<String> plain = register(storage, FILES, "plain", 0);
        List<String> annotated = register(storage, ANNOTATED_FILES, "annotated", 20_000);
        homes.clear();
        homes.put(stageId(jdbc, "bench", "dataset"), plain);
        homes.put(stageId(jdbc, "bench-annotations", "dataset"), annotated);
        // settle the freshly loaded tables first, or autovacuum (PostgreSQL) lands in the middle of the first run
        boolean postgresDb = database.equals("postgresql");
        for (String table : List.of("file", "file_slot", "slot_source_file", "annotation", "assignment")) {
            jdbc.execute(postgresDb ? "VACUUM ANALYZE " + table : "CHECKPOINT");
        }
        long hook = stageId(jdbc, "bench", "hook");
        long next = stageId(jdbc, "bench", "annotate");
        long annotationsHook = stageId(jdbc, "bench-annotations", "hook");
        long annotationsNext = stageId(jdbc, "bench-annotations", "annotate");
        boolean postgres = database.equals("postgresql");

        List<Double> bundleRates = new ArrayList<>();
        List<Double> baselineRates = new ArrayList<>();
        List<Double> annotatedRates = new ArrayList<>();
        List<Double> failingRates = new ArrayList<>();
        List<Long> failingRequests = new ArrayList<>();
        long rssKb = 0;
        // warm-up rounds first, exactly like the measured ones but not counted: the bundle keeps running for the whole
        // database, paused (POST .../pause) while the baseline runs, so both are measured warm. One pass of the bundle
        // was not enough: on two busy cores its JIT was still replacing profiled (tier 3) code with C2 code well into
        // the first measured run, which cost 30-60 % more CPU per delivery than the later runs (-XX:+PrintCompilation)
        ensureBundle();
        warmUntilSteady(jdbc, database, plain, annotated, new long[] { hook, next, annotationsHook, annotationsNext });
        warmBaselineUntilSteady(storage, jdbc, database, plain, hook, next);
        for (int round = 1 - WARM_UP_ROUNDS; round <= RUNS; round++) {
            boolean counted = round >= 1;
            double[] cpuBefore = cpuSnapshot();
            double[] dbBefore = postgres ? pgCounters(jdbc) : null;
            boolean profiled = counted && postgres && startStatementProfile(jdbc);
            double bundleRate = throughput(jdbc, plain, hook, next, false);
            if (profiled) {
                writeStatementProfile(jdbc, "bundle-run" + round, plain.size());
            }
            if (counted) {
                bundleRates.add(bundleRate);
                recordCpu(database + " bundle", cpuBefore, cpuSnapshot(), plain.size());
                if (postgres) {
                    Thread.sleep(1500); // statistics reach pg_stat_database within a second
                    recordDbWork("bundle", dbBefore, pgCounters(jdbc), plain.size());
                }
            }
            double annotatedRate = throughput(jdbc, annotated, annotationsHook, annotationsNext, false);
            double failingRate = throughput(jdbc, plain, hook, next, true);
            long requests = receiverRequests();
            if (counted) {
                annotatedRates.add(annotatedRate);
                failingRates.add(failingRate);
                failingRequests.add(requests);
            }
            rssKb = Math.max(rssKb, peakRssKb(bundle));
            pause(true);
            double[] baselineBefore = cpuSnapshot();
            double[] dbBaselineBefore = postgres ? pgCounters(jdbc) : null;
            boolean baselineProfiled = counted && postgres && startStatementProfile(jdbc);
            double baselineRate = baseline(storage, jdbc, postgres, plain, hook, next);
            if (baselineProfiled) {
                writeStatementProfile(jdbc, "baseline-run" + round, plain.size());
            }
            if (counted) {
                baselineRates.add(baselineRate);
                recordCpu(database + " baseline", baselineBefore, cpuSnapshot(), plain.size());
                if (postgres) {
                    Thread.sleep(1500);
                    recordDbWork("baseline", dbBaselineBefore, pgCounters(jdbc), plain.size());
                }
            }
            pause(false);
            System.out.printf(Locale.ROOT, "%s %s: bundle %.0f/s, baseline %.0f/s (%.2f)%n", database,
                    counted ? "run " + round : "warm-up round", bundleRate, baselineRate, bundleRate / baselineRate);
        }

        double rate = median(bundleRates) / 2;
        Histogram latency = latency(jdbc, plain, hook, next, rate);
        rssKb = Math.max(rssKb, peakRssKb(bundle));
        List<String> sweep = new ArrayList<>();
        for (String fixed : LATENCY_RATES.split(",")) {
            if (fixed.isBlank()) {
                continue;
            }
            double at = Double.parseDouble(fixed.trim());
            double[] before = cpuSnapshot();
            boolean sweepProfiled = postgres && startStatementProfile(jdbc);
            Histogram h = latency(jdbc, plain, hook, next, at);
            if (sweepProfiled) {
                writeStatementProfile(jdbc, "latency-" + fixed.trim(), (int) h.getTotalCount());
            }
            double[] c = recordCpu(database + " latency at " + fixed.trim(), before, cpuSnapshot(), (int) h.getTotalCount());
            sweep.add(String.format(Locale.ROOT, "| %.0f | %d / %d / %d | %d | %.2f | %.2f | %.2f | %.2f |", at,
                    h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount(), c[0],
                    c[2], c[3] + c[4], c[0] + c[1] + c[2] + c[3] + c[4]));
        }
        String[] million = postgres && MILLION > 0 ? millionWaiting(jdbc, hook, next) : null;
        String[] retrying = RETRY_WAITING > 0 ? retriesWaiting(jdbc, hook, next, postgres, plain) : null;
        stopBundle();

        line("");
        line("## " + database + (postgres ? " (notifications on)" : " (HSQLDB server, file database, locks mode)"));
        line("");
        line("| measure | median | min–max | runs |");
        line("|---|---|---|---|");
        line(row("bundle, " + FILES + " files, deliveries/s", bundleRates));
        line(row("raw baseline, " + FILES + " files, deliveries/s", baselineRates));
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < bundleRates.size(); i++) {
            ratios.add(baselineRates.get(i) == 0 ? 0 : bundleRates.get(i) / baselineRates.get(i));
        }
        line(rowRatio("bundle ÷ baseline (same run)", ratios));
        line(row("bundle, " + ANNOTATED_FILES + " files with ~20 KB annotations, deliveries/s", annotatedRates));
        line(row("bundle, 20% of first attempts answered 500, deliveries/s", failingRates));
        line("| … total attempts for " + FILES + " files (20% fail first) | " + median(failingRequests.stream()
                .map(Long::doubleValue).toList()).longValue() + " | " + Collections.min(failingRequests) + "–"
             + Collections.max(failingRequests) + " | " + failingRequests.size() + " |");
        line(String.format(Locale.ROOT, "| bundle latency, assignment → arrival, at %.0f files/s (half the median), p50 / p99 / max ms | %d / %d / %d | | %d files |",
                rate, latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue(),
                latency.getTotalCount()));
        line("| bundle peak RSS (VmHWM), MB | " + rssKb / 1024 + " | | |");
        if (!sweep.isEmpty()) {
            line("");
            line("Latency at fixed rates (bench.latency-rates), CPU ms per delivery over each run (its trickle included):");
            line("");
            line("| files/s | p50 / p99 / max ms | files | bundle JVM | receiver | database server | total |");
            line("|---|---|---|---|---|---|---|");
            sweep.forEach(this::line);
        }
        if (million != null) {
            line("| with " + MILLION + " files waiting: claim of 100 (EXPLAIN ANALYZE, median of " + CLAIM_SAMPLES
                 + "), ms / buffers | " + million[0] + " | | (" + million[1] + " with " + million[2] + " waiting) |");
            line("| … the same before ANALYZE (statistics of the " + million[2] + "-file queue), ms / buffers | " + million[6]
                 + " | | |");
            line("| with " + MILLION + " files waiting: bundle deliveries/s over the first " + million[3] + " | " + million[4] + " | | |");
            line("| with " + MILLION + " files waiting: bundle peak RSS (VmHWM), MB | " + million[5] + " | | |");
        }
        if (retrying != null) {
            line("| claim of " + (postgres ? "100 (EXPLAIN ANALYZE, median of " + CLAIM_SAMPLES + "), ms / buffers"
                                          : "100 (both candidate queries, median of " + HSQLDB_CLAIM_SAMPLES + "), ms")
                 + ", 1,000 files due, " + RETRY_WAITING + " waiting for a retry (due in an hour) | " + retrying[1]
                 + " | | (" + retrying[0] + " with 1,000 waiting) |");
            line("| with " + RETRY_WAITING + " files waiting for a retry: bundle deliveries/s, " + FILES + " files | "
                 + retrying[2] + " | | |");
            line("| with " + RETRY_WAITING + " files waiting for a retry: bundle RSS now (VmRSS), MB | " + retrying[3] + " | | |");
        }
        line("");
        line("CPU seconds per 1,000 deliveries, median of the runs (the benchmark JVM runs the baseline and polls the"
             + " database for progress; on HSQLDB it also hosts the database server, whose threads are counted apart):");
        line("");
        line("| run | bundle JVM | benchmark JVM | receiver | PostgreSQL server | HSQLDB server | total |");
        line("|---|---|---|---|---|---|---|");
        for (String who : List.of(database + " bundle", database + " baseline")) {
            List<double[]> samples = cpu.getOrDefault(who, List.of());
            if (samples.isEmpty()) {
                continue;
            }
            double[] m = new double[5];
            for (int i = 0; i < 5; i++) {
                final int column = i;
                m[i] = median(samples.stream().map(a -> a[column]).toList());
            }
            line(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |", who, m[0], m[1], m[2], m[3],
                    m[4], m[0] + m[1] + m[2] + m[3] + m[4]));
        }
        if (postgres) {
            line("");
            line("PostgreSQL's counters per delivery (pg_stat_database, median of the runs; includes the reset and the"
                 + " progress checks, alike for both):");
            line("");
            line("| run | commits | rows inserted | rows updated | rows fetched | rows returned |");
            line("|---|---|---|---|---|---|");
            for (String who : List.of("bundle", "baseline")) {
                List<double[]> samples = dbWork.getOrDefault(who, List.of());
                if (samples.isEmpty()) {
                    continue;
                }
                StringBuilder row = new StringBuilder("| " + who + " |");
                for (int i = 0; i < 5; i++) {
                    final int column = i;
                    row.append(String.format(Locale.ROOT, " %.1f |", median(samples.stream().map(a -> a[column]).toList())));
                }
                line(row.toString());
            }
            dbWork.clear();
        }
        Files.write(DIR.resolve("results.md"), report);
    }

    private double baseline(Storage storage, JdbcTemplate jdbc, boolean postgres, List<String> files, long hook, long next)
            throws Exception {
        reset(jdbc);
        resetReceiver(false);
        RawBaseline baseline = new RawBaseline(storage.dataSource(), postgres, hook, next,
                URI.create("http://127.0.0.1:" + receiverPort + "/hook"), BASELINE_THREADS, 50);
        Instant startedAt = Instant.now();
        assign(jdbc, files, hook);
        baseline.run(() -> moved(jdbc, next) >= files.size(), RUN_LIMIT);
        long moved = moved(jdbc, next);
        return moved < files.size() ? 0 : files.size() / secondsUntilLastMove(jdbc, startedAt, next);
    }

    /** The operator's pause: the bundle stops claiming bench/hook files while the baseline runs on them. */
    private void pause(boolean pause) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort
                        + "/api/workflows/bench/stages/hook/" + (pause ? "pause" : "resume")))
                .header("Authorization", "Bearer bench-admin-key").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("pause/resume answered " + answer.statusCode() + ": " + answer.body());
        }
    }

    /**
     * The queue holds a million files: the claim statement's cost (EXPLAIN ANALYZE, rolled back) against a small queue,
     * the bundle's rate over its first deliveries, and its RSS. Files are made in SQL (generate_series), not registered.
     * @return [claim ms at a million, claim ms small, small count, delivered, deliveries/s, RSS MB, claim ms at a million
     *         before ANALYZE]
     */
    private String[] millionWaiting(JdbcTemplate jdbc, long hook, long next) throws Exception {
        pause(true);
        reset(jdbc);
        jdbc.update("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)"
                    + " SELECT gen_random_uuid()::text, 'waiting-' || g, '/waiting', 'My Team', 'my-team', 'Cars', 'cars', now()"
                    + " FROM generate_series(1, 1000) g");
        jdbc.update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at, updated_at)"
                    + " SELECT item_id, ?, 'QUEUED', 0, now(), now(), now() FROM file WHERE name LIKE 'waiting-%'", hook);
        jdbc.execute("ANALYZE assignment");
        String small = claimMillis(jdbc);
        reset(jdbc);
        jdbc.update("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)"
                    + " SELECT gen_random_uuid()::text, 'waiting-' || g, '/waiting', 'My Team', 'my-team', 'Cars', 'cars', now()"
                    + " FROM generate_series(1001, " + MILLION + ") g");
        jdbc.update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at, updated_at)"
                    + " SELECT item_id, ?, 'QUEUED', 0, now() - interval '1 hour', now() - interval '1 hour', now()"
                    + " FROM file WHERE name LIKE 'waiting-%'", hook);
        String unanalyzed = claimMillis(jdbc); // statistics from the small queue: as a burst finds them
        jdbc.execute("ANALYZE assignment");
        String big = claimMillis(jdbc);
        int count = Math.min(FILES, 20_000);
        resetReceiver(false);
        pause(false);
        long started = System.nanoTime();
        long deadline = started + RUN_LIMIT.toNanos();
        while (moved(jdbc, next) < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        double rate = moved(jdbc, next) / ((System.nanoTime() - started) / 1e9);
        pause(true);
        String rss = Long.toString(peakRssKb(bundle) / 1024);
        pause(false);
        return new String[] { big, small, "1000", Integer.toString(count), String.format(Locale.ROOT, "%.0f", rate), rss,
                unanalyzed };
    }

    /**
     * Files waiting for a retry, due in an hour, beside 1,000 due files of the same stage: the claim's cost with 1,000 and
     * with {@link #RETRY_WAITING} of them waiting, then the bundle delivering {@link #FILES} files while they wait, and
     * its RSS. @return [claim small, claim big, deliveries/s, RSS MB]
     */
    private String[] retriesWaiting(JdbcTemplate jdbc, long hook, long next, boolean postgres, List<String> plain)
            throws Exception {
        pause(true);
        reset(jdbc);
        List<String> few = insertFiles(jdbc, "retry-few-", 1_000);
        park(jdbc, few, hook);
        assign(jdbc, plain.subList(0, 1_000), hook);
        jdbc.execute(postgres ? "ANALYZE assignment" : "CHECKPOINT");
        String small = postgres ? claimMillis(jdbc, hook) : hsqldbClaimMillis(jdbc, hook);
        reset(jdbc);
        List<String> many = insertFiles(jdbc, "retry-many-", RETRY_WAITING);
        park(jdbc, many, hook);
        assign(jdbc, plain.subList(0, 1_000), hook);
        jdbc.execute(postgres ? "ANALYZE assignment" : "CHECKPOINT");
        String big = postgres ? claimMillis(jdbc, hook) : hsqldbClaimMillis(jdbc, hook);
        reset(jdbc);
        park(jdbc, many, hook);
        resetReceiver(false);
        pause(false);
        Instant startedAt = Instant.now();
        assign(jdbc, plain, hook);
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (moved(jdbc, next) < plain.size() && System.nanoTime() < deadline) {
            Thread.sleep(PROGRESS_CHECK_MILLIS);
        }
        double rate = plain.size() / secondsUntilLastMove(jdbc, startedAt, next);
        String rss = Long.toString(rssKb(bundle) / 1024);
        pause(true);
        jdbc.update("DELETE FROM assignment WHERE status = 'WAITING'");
        pause(false);
        return new String[] { small, big, String.format(Locale.ROOT, "%.0f", rate), rss };
    }

    /** Registers {@code count} bare files in SQL (no slots, no annotations), in batches. */
    private static List<String> insertFiles(JdbcTemplate jdbc, String prefix, int count) {
        List<String> ids = new ArrayList<>(count);
        java.sql.Timestamp now = java.sql.Timestamp.from(Instant.now());
        for (int from = 0; from < count; from += 5_000) {
            List<Object[]> rows = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 5_000); i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                rows.add(new Object[] { id, prefix + i, now });
            }
            jdbc.batchUpdate("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug,"
                             + " registered_at) VALUES (?, ?, '/waiting', 'My Team', 'my-team', 'Cars', 'cars', ?)", rows);
        }
        return ids;
    }

    /** The files wait in the stage for a retry due in an hour, one attempt made. */
    private static void park(JdbcTemplate jdbc, List<String> ids, long stage) {
        java.sql.Timestamp now = java.sql.Timestamp.from(Instant.now());
        java.sql.Timestamp due = java.sql.Timestamp.from(Instant.now().plus(Duration.ofHours(1)));
        jdbc.update("DELETE FROM assignment WHERE status = 'WAITING'");
        for (int from = 0; from < ids.size(); from += 5_000) {
            List<Object[]> rows = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + 5_000))) {
                rows.add(new Object[] { id, stage, "msg_" + id.replace("-", ""), now, due, now });
            }
            jdbc.batchUpdate("INSERT INTO assignment (item_id, stage_id, status, attempts, delivery_id, assigned_at, due_at,"
                             + " updated_at) VALUES (?, ?, 'WAITING', 1, ?, ?, ?, ?)", rows);
        }
    }

    private static final int HSQLDB_CLAIM_SAMPLES = 200;

    /** The HSQLDB claim's two candidate queries (PortableClaims.DUE_CANDIDATES), median ms of both. */
    private static String hsqldbClaimMillis(JdbcTemplate jdbc, long stage) {
        List<Double> millis = new ArrayList<>();
        for (int sample = 0; sample < HSQLDB_CLAIM_SAMPLES; sample++) {
            long started = System.nanoTime();
            for (String status : List.of("QUEUED", "WAITING")) {
                jdbc.queryForList(com.annoflow.webhookstage.queue.PortableClaims.DUE_CANDIDATES,
                        stage, status, java.sql.Timestamp.from(Instant.now()), 100);
            }
            millis.add((System.nanoTime() - started) / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f", median(millis));
    }

    private static final int CLAIM_SAMPLES = 5;
    private static final java.util.regex.Pattern BUFFERS_FOUND_OR_READ = java.util.regex.Pattern.compile("(?:hit|read)=(\\d+)");

    /**
     * The bundle's PostgreSQL claim of 100, planned and run, then rolled back, {@value #CLAIM_SAMPLES} times: the median
     * execution time and the buffers it touched ("ms / buffers"). One timing alone swung between 0.9 and 7.7 ms on this
     * machine from run to run; the buffers say what the plan reads.
     */
    private static String claimMillis(JdbcTemplate jdbc) {
        return claimMillis(jdbc, jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = 'bench' AND name = 'hook'",
                Long.class));
    }

    /** PostgresClaims.CLAIM_DUE_FILES of 100 files of the stage, its parameters written in. */
    static String postgresClaim(long stage) {
        String[] values = { "'bench'", "now() + interval '5 minutes'", "now()", Long.toString(stage), "now()", "100" };
        String sql = com.annoflow.webhookstage.queue.PostgresClaims.CLAIM_DUE_FILES;
        for (String value : values) {
            sql = sql.replaceFirst("\\?", java.util.regex.Matcher.quoteReplacement(value));
        }
        return sql;
    }

    private static String claimMillis(JdbcTemplate jdbc, long stageOfClaim) {
        List<Double> millis = new ArrayList<>();
        List<Double> buffers = new ArrayList<>();
        for (int sample = 0; sample < CLAIM_SAMPLES; sample++) {
            jdbc.execute((java.sql.Connection c) -> {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement();
                     java.sql.ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) "
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
        return String.format(Locale.ROOT, "%.3f / %.0f", median(millis), median(buffers));
    }

    // ---- one measurement ---------------------------------------------------------------------------------------

    private double throughput(JdbcTemplate jdbc, List<String> files, long stage, long next, boolean failFirst)
            throws Exception {
        reset(jdbc);
        resetReceiver(failFirst);
        Instant startedAt = Instant.now();
        long started = System.nanoTime();
        assign(jdbc, files, stage);
        long deadline = started + RUN_LIMIT.toNanos();
        while (moved(jdbc, next) < files.size()) {
            if (System.nanoTime() > deadline || !bundle.isAlive()) {
                throw new IllegalStateException("bundle did not deliver " + files.size() + " files within " + RUN_LIMIT
                                                + "; see " + DIR.resolve("bundle-" + bundleDatabase + ".log"));
            }
            // the same progress check as the baseline's, so both pay for it alike
            Thread.sleep(PROGRESS_CHECK_MILLIS);
        }
        return files.size() / secondsUntilLastMove(jdbc, startedAt, next);
    }

    /** From the start of the assignment to the last file's move into {@code next}, as the database recorded it. */
    static double secondsUntilLastMove(JdbcTemplate jdbc, Instant startedAt, long next) {
        java.sql.Timestamp last = jdbc.queryForObject("SELECT MAX(moved_at) FROM stage_transition WHERE to_stage_id = ?",
                java.sql.Timestamp.class, next);
        return Duration.between(startedAt, last.toInstant()).toNanos() / 1e9;
    }

    private Histogram latency(JdbcTemplate jdbc, List<String> files, long stage, long next, double rate) throws Exception {
        reset(jdbc);
        resetReceiver(false);
        int count = (int) Math.min(files.size(), rate * LATENCY_SECONDS);
        Map<String, Long> assignedAt = new HashMap<>();
        long tickMillis = 20;
        double perTick = rate * tickMillis / 1000.0;
        long start = System.currentTimeMillis();
        int sent = 0;
        for (int tick = 0; sent < count; tick++) {
            long due = start + tick * tickMillis;
            long wait = due - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            int upTo = (int) Math.min(count, Math.round((tick + 1) * perTick));
            if (upTo > sent) {
                List<String> chunk = files.subList(sent, upTo);
                long now = System.currentTimeMillis();
                assign(jdbc, chunk, stage);
                chunk.forEach(id -> assignedAt.put(id, now));
                sent = upTo;
            }
        }
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (moved(jdbc, next) < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Histogram histogram = new Histogram(3);
        for (String line : get("http://127.0.0.1:" + receiverPort + "/arrivals").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" ");
            Long at = assignedAt.get(parts[0]);
            if (at != null) {
                histogram.recordValue(Math.max(0, Long.parseLong(parts[1]) - at));
            }
        }
        return histogram;
    }

    // ---- the database ------------------------------------------------------------------------------------------

    private static List<String> register(Storage storage, int count, String kind, int annotationBytes) {
        FileCatalog catalog = new FileCatalog(storage, Clock.systemUTC());
        List<String> ids = new ArrayList<>(count);
        List<RegisteredFile> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            batch.add(file(id, kind + "-" + i, annotationBytes));
            if (batch.size() == 500) {
                catalog.register(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            catalog.register(batch);
        }
        return ids;
    }

    /** About 2 KB of metadata: three slots of two source files each, with realistic URLs. */
    private static RegisteredFile file(String id, String name, int annotationBytes) {
        List<Slot> slots = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            List<SourceFile> sources = new ArrayList<>();
            for (int f = 0; f < 2; f++) {
                sources.add(new SourceFile(name + "-" + s + "-" + f + ".jpg",
                        "https://storage.example.org/teams/my-team/datasets/cars-2026/" + id + "/slots/" + s + "/files/"
                        + name + "-" + s + "-" + f + ".jpg?X-Amz-Expires=3600&X-Amz-SignedHeaders=host"));
            }
            slots.add(new Slot(Integer.toString(s), "image", 1920, 1080, sources));
        }
        Item item = new Item(name + ".jpg", "/benchmark/cars",
                new SourceInfo(id, new Team("My Team", "my-team"),
                        new Dataset("Cars 2026", "cars-2026", "https://example.org/datasets/339222/dataset-management"),
                        "https://example.org/workview?dataset=339222&item=" + id),
                slots);
        List<String> annotations = new ArrayList<>();
        for (int size = 0; size < annotationBytes; ) {
            String annotation = "{\"id\": \"" + UUID.randomUUID() + "\", \"name\": \"car\", \"slot_names\": [\"0\"],"
                                + " \"polygon\": {\"paths\": [[" + "{\"x\": 120.5, \"y\": 310.25}, ".repeat(40)
                                + "{\"x\": 1.0, \"y\": 2.0}]]}}";
            annotations.add(annotation);
            size += annotation.length();
        }
        return new RegisteredFile(item, annotations);
    }

    /** Assigns the files to a webhook stage, as the bundle's API does with files that sit in an earlier stage. */
    private static void assign(JdbcTemplate jdbc, List<String> ids, long stage) {
        forFilesOf(jdbc, ids, stage, "UPDATE assignment SET stage_id = :stage, status = 'QUEUED', attempts = 0,"
                                     + " delivery_id = NULL, lease_owner = NULL, lease_expires_at = NULL, assigned_at = :now,"
                                     + " due_at = :now, updated_at = :now WHERE item_id IN (:ids)");
    }

    /** Runs {@code sql} (parameters :stage, :now, :ids) for the files, 5,000 ids at a time. */
    private static void forFilesOf(JdbcTemplate jdbc, List<String> ids, long stage, String sql) {
        java.sql.Timestamp now = java.sql.Timestamp.from(Instant.now());
        NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
        for (int from = 0; from < ids.size(); from += 5000) {
            named.update(sql, new MapSqlParameterSource("stage", stage).addValue("now", now)
                    .addValue("ids", ids.subList(from, Math.min(ids.size(), from + 5000))));
        }
    }

    /**
     * Puts every file back in its dataset stage and empties the history. On PostgreSQL the tables are vacuumed too, standing in for autovacuum (off on
     * this machine's server, conf.d/90-ci.conf; on in production): without it every run left 40,000 dead rows, and
     * every later claim and count stepped over all of them. Then a CHECKPOINT. No ANALYZE: each run starts with the statistics of an
     * empty queue, as a burst of work does in production.
     */
    private void reset(JdbcTemplate jdbc) {
        for (String table : List.of("assignment", "delivery_attempt", "stage_transition", "stage_passed")) {
            jdbc.update("DELETE FROM " + table);
            if (table.equals("assignment")) {
                // every file back in its workflow's dataset stage, as files sit in an earlier stage in production: the
                // assignment table holds every file's current stage, so it is never empty. Emptied (as it was), the
                // bundle's statements were planned on a table of a few rows during a trickle and PostgreSQL kept those
                // plans (sequential scans) while the table grew: see docs/benchmarks.md, "the trickle"
                homes.forEach((dataset, files) -> forFilesOf(jdbc, files, dataset,
                        "INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, updated_at)"
                        + " SELECT item_id, :stage, 'ASSIGNED', 0, :now, :now FROM file WHERE item_id IN (:ids)"));
            }
            if ("postgresql".equals(bundleDatabase)) {
                jdbc.execute("VACUUM " + table);
            }
        }
        // the deletes (and vacuums) write a lot of log: without a checkpoint here, the one they cause lands in the
        // measurement. PostgreSQL: "checkpoints are occurring too frequently" during the latency run, p99 532 ms.
        // HSQLDB: a checkpoint rewrites the whole database script (60 MB) every 50 MB of log, about once per run, and
        // blocks every statement meanwhile; it fell on the bundle's or the baseline's run by chance.
        jdbc.execute("CHECKPOINT");
    }

    /**
     * The bundle alone, pass after pass, until its CPU per delivery on the plain workload settles: at least
     * {@value #MIN_WARM_UP_PASSES} passes, then until a pass is no more than 5 % cheaper than the cheapest before it,
     * or {@code bench.warm-up-passes}. Each pass also runs a short annotated and a short 20 %-failing workload, in the
     * order of a measured round: with the plain workload alone the JIT compiled for a profile without large payloads
     * and retries, and deoptimised and recompiled in the measured runs (PostgreSQL, 07:01Z run: 1.33, 1.02, 0.87 CPU ms
     * per delivery in runs 1-3, after plain-only passes had "settled" at 10 %).
     */
    /**
     * The raw baseline the same way, while the bundle is paused: passes until its Java CPU per delivery (the benchmark
     * JVM, the HSQLDB server's threads not counted) settles by the same rule. With one warm-up round only, its C2
     * compiler was still busy in the measured runs (perf: 6 of 25 CPU seconds of a run) and it got faster run after
     * run (PostgreSQL, 09:33Z run of 2026-11-27: 859, 1,020, 1,107/s) while the warmed bundle stayed flat.
     */
    private void warmBaselineUntilSteady(Storage storage, JdbcTemplate jdbc, String database, List<String> plain, long hook,
            long next) throws Exception {
        pause(true);
        passUntilSettled(database + " baseline", 1, plain.size(),
                () -> baseline(storage, jdbc, database.equals("postgresql"), plain, hook, next), () -> null);
        pause(false);
    }

    private void warmUntilSteady(JdbcTemplate jdbc, String database, List<String> plain, List<String> annotated,
            long[] stages) throws Exception {
        passUntilSettled(database + " bundle", 0, plain.size(), () -> throughput(jdbc, plain, stages[0], stages[1], false),
                () -> {
                    throughput(jdbc, annotated.subList(0, Math.min(1_000, annotated.size())), stages[2], stages[3], false);
                    return throughput(jdbc, plain.subList(0, Math.min(4_000, plain.size())), stages[0], stages[1], true);
                });
    }

    /**
     * The warm-up rule: passes (the measured work, whose CPU per delivery is read from column {@code cpuColumn} of
     * {@link #cpuSnapshot()}, then the rest of a pass) until a pass is no more than 5 % cheaper than the cheapest
     * before it, after at least {@value #MIN_WARM_UP_PASSES}, or {@code bench.warm-up-passes}.
     */
    private void passUntilSettled(String who, int cpuColumn, int files, java.util.concurrent.Callable<Double> measured,
            java.util.concurrent.Callable<?> rest) throws Exception {
        double cheapest = Double.MAX_VALUE;
        for (int pass = 1; pass <= WARM_UP_PASSES; pass++) {
            double before = cpuSnapshot()[cpuColumn];
            double rate = measured.call();
            double cpuMs = (cpuSnapshot()[cpuColumn] - before) * 1000.0 / files;
            rest.call();
            System.out.printf(Locale.ROOT, "%s warm-up pass %d: %.0f/s, %.2f CPU ms per delivery%n", who, pass, rate, cpuMs);
            if (pass >= MIN_WARM_UP_PASSES && cpuMs >= 0.95 * cheapest) {
                return;
            }
            cheapest = Math.min(cheapest, cpuMs);
        }
    }

    private Map<String, Double> serverCpuAtStart = Map.of();
    private long profileStartedNanos;

    /** CPU seconds of each PostgreSQL process, keyed "pid name" (its connection's application name or its type). */
    private static Map<String, Double> serverCpuByConnection(JdbcTemplate jdbc) {
        Map<String, Double> cpuByProcess = new java.util.HashMap<>();
        jdbc.query("SELECT pid, CASE WHEN backend_type = 'client backend' THEN 'connection ' || coalesce(nullif("
                   + "application_name, ''), '?') ELSE backend_type END AS name FROM pg_stat_activity", rs -> {
                       long pid = rs.getLong("pid");
                       cpuByProcess.put(pid + " " + rs.getString("name"), cpuSeconds(pid));
                   });
        return cpuByProcess;
    }

    /** Empties pg_stat_statements when {@code bench.pg-statements} is on; false when off or not loaded. */
    private boolean startStatementProfile(JdbcTemplate jdbc) {
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
    private void writeStatementProfile(JdbcTemplate jdbc, String name, int files) throws IOException {
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
        Map<String, Double> byName = new java.util.TreeMap<>();
        serverCpuAtStart.forEach((process, cpuSeconds) -> {
            Double end = after.get(process);
            if (end != null) {
                byName.merge(process.substring(process.indexOf(' ') + 1), (end - cpuSeconds) * 1000 / files, Double::sum);
            }
        });
        byName.forEach((who, ms) -> lines.add(String.format(Locale.ROOT, "%10.4f  %s", ms, who)));
        Files.write(DIR.resolve("pg-statements-" + name + ".txt"), lines);
    }

    private static long moved(JdbcTemplate jdbc, long next) {
        Long n = jdbc.queryForObject("SELECT COUNT(*) FROM assignment WHERE stage_id = ?", Long.class, next);
        return n == null ? 0 : n;
    }

    private static long stageId(JdbcTemplate jdbc, String workflow, String stage) {
        return jdbc.queryForObject("SELECT id FROM stage WHERE workflow_name = ? AND name = ?", Long.class, workflow, stage);
    }

    // ---- the processes -----------------------------------------------------------------------------------------

    private void startReceiver() throws IOException {
        // nodelay: without it the JDK server's small writes wait for delayed ACKs (about 40 ms per request on loopback)
        receiver = new ProcessBuilder(java(), "-Xmx512m", "-Dsun.net.httpserver.nodelay=true", "-cp", System.getProperty("java.class.path"),
                BenchReceiver.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first == null || !first.startsWith("PORT ")) {
            throw new IllegalStateException("receiver did not start: " + first);
        }
        receiverPort = Integer.parseInt(first.substring(5).trim());
    }

    private Path writeWorkflow() throws IOException {
        String hook = "http://127.0.0.1:" + receiverPort + "/hook";
        Path file = DIR.resolve("workflow.yaml");
        Files.writeString(file, """
                workflows:
                  - name: bench
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "%s", on_failure: failed }
                      - { name: annotate, type: annotate }
                      - { name: failed, type: holding }
                  - name: bench-annotations
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "%s", include_annotations: true, on_failure: failed }
                      - { name: annotate, type: annotate }
                      - { name: failed, type: holding }
                  - name: bench-slow
                    stages:
                      - { name: dataset, type: dataset }
                      - { name: hook, type: webhook, url: "%s", on_failure: failed }
                      - { name: annotate, type: annotate }
                      - { name: failed, type: holding }
                """.formatted(hook, hook, hook.replace("/hook", "/slow")));
        return file;
    }

    /**
     * The embedded default as {@code mvn compile camel:run} runs it: an HSQLDB file database inside the bundle's JVM,
     * the bundle's own settings (config/application.properties), every commit synced to disk. Nothing else can open
     * that database while the bundle runs, so there is no raw baseline here: files are registered and assigned through
     * the API, progress is read from /observe/metrics, and each run's end from the database once the bundle has stopped.
     * Durable commits are set against HSQLDB's own default (a sync every 500 ms, which a crash undid), in alternating
     * rounds, each round a fresh bundle JVM with one warm-up pass before the measured one.
     */
    private final class EmbeddedRuns {

        private final Path dir = DIR.resolve("embedded");

        void run() throws Exception {
            deleteRecursively(dir);
            Path workflow = writeWorkflow();
            String parts = System.getProperty("bench.embedded-parts", "commits,neighbour");
            if (parts.contains("commits")) {
                commits(workflow);
            }
            if (parts.contains("neighbour")) {
                slowNeighbour(workflow);
            }
        }

        /** Durable commits against HSQLDB's write delay, in alternating rounds. */
        private void commits(Path workflow) throws Exception {
            Map<String, String> urls = new java.util.LinkedHashMap<>();
            urls.put("durable", "jdbc:hsqldb:file:" + dir.resolve("durable").toAbsolutePath()
                                + "/webhook-stage;shutdown=true;hsqldb.write_delay=false");
            urls.put("delayed", "jdbc:hsqldb:file:" + dir.resolve("delayed").toAbsolutePath()
                                + "/webhook-stage;shutdown=true;hsqldb.write_delay=true");
            Map<String, List<String>> filesOf = new HashMap<>();
            Map<String, List<Double>> plainRates = new java.util.LinkedHashMap<>();
            Map<String, List<Double>> failingRates = new java.util.LinkedHashMap<>();
            Map<String, List<Double>> cpuPerDelivery = new java.util.LinkedHashMap<>();
            Map<String, Long> rss = new HashMap<>();
            for (int round = 1; round <= RUNS; round++) {
                for (String mode : urls.keySet()) {
                    bundleDatabase = "hsqldb-embedded-" + mode;
                    bundleUrl = urls.get(mode);
                    bundleUser = "SA";
                    bundleWorkflow = workflow;
                    camelRunDefaults = true;
                    ensureBundle();
                    try {
                        List<String> files = filesOf.computeIfAbsent(mode, m -> registerThroughTheApi(FILES));
                        pass(files, false); // warm-up, not counted
                        double[] before = cpuSnapshot();
                        Instant plainFrom = pass(files, false);
                        double[] after = cpuSnapshot();
                        Instant failingFrom = pass(files, true);
                        rss.merge(mode, peakRssKb(bundle), Math::max);
                        stopBundle();
                        plainRates.computeIfAbsent(mode, m -> new ArrayList<>()).add(rate(files.size(), plainFrom, failingFrom));
                        failingRates.computeIfAbsent(mode, m -> new ArrayList<>()).add(rate(files.size(), failingFrom, null));
                        cpuPerDelivery.computeIfAbsent(mode, m -> new ArrayList<>())
                                .add((after[0] - before[0]) * 1000 / files.size());
                        System.out.printf(Locale.ROOT, "hsqldb-embedded %s round %d: %.0f/s, 20%% failing %.0f/s%n", mode,
                                round, last(plainRates.get(mode)), last(failingRates.get(mode)));
                    } finally {
                        stopBundle();
                        camelRunDefaults = false;
                    }
                }
            }
            line("");
            line("## hsqldb-embedded (HSQLDB file database inside the bundle's JVM, the bundle's own settings, as"
                 + " mvn compile camel:run runs it)");
            line("");
            line("webhook.concurrency, claim batch, poll interval and pool as in config/application.properties; no raw"
                 + " baseline (nothing else can open the database); each round a fresh bundle JVM, one uncounted pass first.");
            line("");
            line("| measure | median | min–max | runs |");
            line("|---|---|---|---|");
            line(row("durable commits (the default), " + FILES + " files, deliveries/s", plainRates.get("durable")));
            line(row("HSQLDB's write delay (500 ms), " + FILES + " files, deliveries/s", plainRates.get("delayed")));
            line(rowRatio("durable ÷ write delay (same round)", ratios(plainRates.get("durable"), plainRates.get("delayed"))));
            line(row("durable commits, 20% of first attempts answered 500, deliveries/s", failingRates.get("durable")));
            line(row("write delay, 20% of first attempts answered 500, deliveries/s", failingRates.get("delayed")));
            line(rowRatio("… durable ÷ write delay (same round)",
                    ratios(failingRates.get("durable"), failingRates.get("delayed"))));
            line(rowRatio("bundle JVM CPU ms per delivery (database included), durable", cpuPerDelivery.get("durable")));
            line(rowRatio("bundle JVM CPU ms per delivery (database included), write delay", cpuPerDelivery.get("delayed")));
            line("| bundle peak RSS (VmHWM, database in its heap, " + RUNS * 3 + " passes of history), MB, durable / write delay | "
                 + rss.get("durable") / 1024 + " / " + rss.get("delayed") / 1024 + " | | |");
        }

        /**
         * Isolation (issue 15): 200 files to a healthy stage alone, then again while another stage has 64 files at an
         * endpoint that takes 3 s per request; the bundle with its own settings (8 delivery threads, a stage at most 6).
         * Each round a pair, the slow stage's files drained before the next round.
         */
        private void slowNeighbour(Path workflow) throws Exception {
            int healthy = Integer.getInteger("bench.neighbour-files", 200);
            int slow = Integer.getInteger("bench.slow-files", 64);
            bundleDatabase = "hsqldb-embedded-neighbour";
            bundleUrl = "jdbc:hsqldb:file:" + dir.resolve("neighbour").toAbsolutePath()
                        + "/webhook-stage;shutdown=true;hsqldb.write_delay=false";
            bundleUser = "SA";
            bundleWorkflow = workflow;
            camelRunDefaults = true;
            List<Double> alone = new ArrayList<>();
            List<Double> beside = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            ensureBundle();
            try {
                List<String> files = registerThroughTheApi(healthy);
                List<String> slowFiles = registerThroughTheApi(slow);
                resetReceiver(false);
                seconds(files, "bench", () -> { }); // warm-up, not counted
                for (int round = 1; round <= RUNS; round++) {
                    double a = seconds(files, "bench", () -> { });
                    double b = seconds(files, "bench", () -> {
                        try {
                            api("POST", "/api/assignments", assignment("bench-slow", "dataset", slowFiles));
                            api("POST", "/api/assignments", assignment("bench-slow", "hook", slowFiles));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    alone.add(a);
                    beside.add(b);
                    ratios.add(b / a);
                    System.out.printf(Locale.ROOT, "slow neighbour round %d: %.2f s alone, %.2f s beside (%.2f)%n", round, a,
                            b, b / a);
                    long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
                    while (delivered("bench-slow") < round * (double) slow && System.nanoTime() < deadline) {
                        Thread.sleep(200);
                    }
                }
            } finally {
                stopBundle();
                camelRunDefaults = false;
            }
            line("");
            line("### Slow neighbour (embedded, the bundle's own settings: 8 delivery threads, max_concurrency 6 per stage)");
            line("");
            line("| measure | median | min–max | runs |");
            line("|---|---|---|---|");
            line(rowRatio(healthy + " files to a healthy stage alone, s (assignment to last delivery)", alone));
            line(rowRatio("… the same while another stage has " + slow + " files at an endpoint taking 3 s per request, s", beside));
            line(rowRatio("beside ÷ alone (same round)", ratios));
        }

        /** Seconds from the assignment of {@code files} to bench/hook (after {@code before}) to the last one delivered. */
        private double seconds(List<String> files, String workflow, Runnable before) throws Exception {
            api("POST", "/api/assignments", assignment(workflow, "dataset", files));
            double had = delivered(workflow);
            before.run();
            long started = System.nanoTime();
            api("POST", "/api/assignments", assignment(workflow, "hook", files));
            long deadline = started + RUN_LIMIT.toNanos();
            while (delivered(workflow) < had + files.size()) {
                if (System.nanoTime() > deadline || !bundle.isAlive()) {
                    throw new IllegalStateException("bundle did not deliver " + files.size() + " files within " + RUN_LIMIT);
                }
                Thread.sleep(20);
            }
            return (System.nanoTime() - started) / 1e9;
        }

        /** Assigns the files to the webhook stage through the API and waits until the metrics count them delivered. */
        private Instant pass(List<String> files, boolean failFirst) throws Exception {
            api("POST", "/api/assignments", assignment("dataset", files));
            resetReceiver(failFirst);
            double before = delivered();
            api("POST", "/api/assignments", assignment("hook", files));
            Instant assigned = Instant.now();
            long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
            while (delivered() < before + files.size()) {
                if (System.nanoTime() > deadline || !bundle.isAlive()) {
                    throw new IllegalStateException("bundle did not deliver " + files.size() + " files within " + RUN_LIMIT
                                                    + "; see " + DIR.resolve("bundle-" + bundleDatabase + ".log"));
                }
                Thread.sleep(PROGRESS_CHECK_MILLIS);
            }
            return assigned;
        }

        /** Files per second from the assignment's answer to the last delivery after it (before {@code until}), read from
         * the database the stopped bundle left. */
        private double rate(int files, Instant from, Instant until) throws Exception {
            try (Connection connection = DriverManager.getConnection(bundleUrl, "SA", "")) {
                JdbcTemplate jdbc = new JdbcTemplate(new org.springframework.jdbc.datasource.SingleConnectionDataSource(connection, true));
                java.sql.Timestamp last = jdbc.queryForObject("SELECT MAX(moved_at) FROM stage_transition WHERE reason = 'DELIVERED'"
                                                              + " AND moved_at > ? AND moved_at < ?", java.sql.Timestamp.class,
                        java.sql.Timestamp.from(from), java.sql.Timestamp.from(until == null ? Instant.now() : until));
                jdbc.execute("SHUTDOWN");
                return files / (Duration.between(from, last.toInstant()).toNanos() / 1e9);
            }
        }

        private List<String> registerThroughTheApi(int count) {
            List<String> ids = new ArrayList<>(count);
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            try {
                for (int from = 0; from < count; from += 500) {
                    List<Map<String, Object>> batch = new ArrayList<>();
                    for (int i = from; i < Math.min(count, from + 500); i++) {
                        String id = UUID.randomUUID().toString();
                        ids.add(id);
                        batch.add(Map.of("item", file(id, "plain-" + i, 0).item()));
                    }
                    api("POST", "/api/files", json.writeValueAsString(Map.of("files", batch)));
                }
            } catch (Exception e) {
                throw new IllegalStateException("registering through the API failed", e);
            }
            return ids;
        }

        private String assignment(String stage, List<String> files) {
            return assignment("bench", stage, files);
        }

        private String assignment(String workflow, String stage, List<String> files) {
            return "{\"workflow\": \"" + workflow + "\", \"stage\": \"" + stage + "\", \"file_ids\": [\""
                   + String.join("\", \"", files) + "\"]}";
        }

        private void api(String method, String path, String body) throws Exception {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
                    .timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer bench-admin-key")
                    .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " answered " + answer.statusCode() + ": " + answer.body());
            }
        }

        /** Visits of bench/hook delivered since the bundle started, from its Prometheus metrics. */
        private double delivered() throws Exception {
            return delivered("bench");
        }

        private double delivered(String workflow) throws Exception {
            double sum = 0;
            for (String metric : get("http://127.0.0.1:" + managementPort + "/observe/metrics").split("\n")) {
                if (metric.startsWith("webhook_deliveries_total{") && metric.contains("outcome=\"DELIVERED\"")
                    && metric.contains("workflow=\"" + workflow + "\"")) {
                    sum += Double.parseDouble(metric.substring(metric.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        }

        private List<Double> ratios(List<Double> a, List<Double> b) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                ratios.add(b.get(i) == 0 ? 0 : a.get(i) / b.get(i));
            }
            return ratios;
        }

        private double last(List<Double> values) {
            return values.get(values.size() - 1);
        }
    }

    /** Start the bundle with its own defaults (config/application.properties), as mvn compile camel:run does. */
    private boolean camelRunDefaults;

    private void startBundle(String database, String url, String user, Path workflow) throws Exception {
        bundleDatabase = database;
        bundleUrl = url;
        bundleUser = user;
        bundleWorkflow = workflow;
        ensureBundle();
    }

    private void ensureBundle() throws Exception {
        if (bundle != null && bundle.isAlive()) {
            return;
        }
        managementPort = freePort();
        String classpath = "target/classes" + File.pathSeparator
                           + Files.readString(Path.of("target", "bundle-classpath.txt")).trim();
        List<String> command = new ArrayList<>(List.of(java(),
                // the embedded database lives in the bundle's heap: as under camel:run, the JVM's default heap then
                "-Xmx" + System.getProperty("bench.bundle-heap", camelRunDefaults ? "6g" : "256m"),
                "-Dwebhook.workflow-file=" + bundleWorkflow, "-Dwebhook.db.url=" + bundleUrl, "-Dwebhook.db.user=" + bundleUser,
                "-Dwebhook.db.password=", "-Dwebhook.demo.enabled=false", "-Dwebhook.ssrf.allow=127.0.0.1",
                "-Dwebhook.api.admin-key=bench-admin-key", "-Dcamel.server.port=" + (apiPort = freePort()),
                "-Dcamel.management.port=" + managementPort,
                // the 20 %-failing workload: a first wait of 1 s, db-scheduler's setting in the comparison (field notes)
                "-Dwebhook.retry-schedule=" + System.getProperty("bench.retry-schedule", "1s, 5m, 30m, 2h, 5h")));
        if (camelRunDefaults) {
            // one assignment request for every file of a run
            command.add("-Dwebhook.api.max-ids-per-request=" + Math.max(10_000, FILES));
        } else {
            command.addAll(List.of("-Dwebhook.concurrency=" + CONCURRENCY, "-Dwebhook.claim-batch-size=100",
                    "-Dwebhook.max-in-flight=" + Math.max(200, CONCURRENCY * 8)));
        }
        for (String option : System.getProperty("bench.bundle-options", "").split(",")) {
            if (!option.isBlank()) {
                command.add("-D" + option.trim());
            }
        }
        String jvmArgs = System.getProperty("bench.bundle-jvm-args", "");
        if (!jvmArgs.isBlank()) {
            command.addAll(List.of(jvmArgs.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", classpath, "com.annoflow.webhookstage.WebhookStageMain"));
        bundle = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(DIR.resolve("bundle-" + bundleDatabase + ".log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (!bundle.isAlive()) {
                throw new IllegalStateException("bundle exited at start; see " + DIR.resolve("bundle-" + bundleDatabase + ".log"));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/observe/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("bundle not ready within 2 minutes");
    }

    private void stopBundle() throws InterruptedException {
        if (bundle != null && bundle.isAlive()) {
            bundle.destroy();
            if (!bundle.waitFor(60, TimeUnit.SECONDS)) {
                bundle.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void killChildren() {
        for (Process p : new Process[] { bundle, receiver }) {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    private void resetReceiver(boolean failFirst) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiverPort + "/reset?failFirst=" + failFirst))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    }

    private long receiverRequests() throws Exception {
        String stats = get("http://127.0.0.1:" + receiverPort + "/stats");
        return Long.parseLong(stats.split(" ")[0].substring("requests=".length()));
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
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
    private double[] cpuSnapshot() {
        double hsqldbServer = hsqldbServerCpuSeconds();
        return new double[] { bundle == null ? 0 : cpuSeconds(bundle.pid()),
            cpuSeconds(ProcessHandle.current().pid()) - hsqldbServer, cpuSeconds(receiver.pid()), postgresCpuSeconds(),
            hsqldbServer };
    }

    private static double hsqldbServerCpuSeconds() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("HSQLDB ")) {
                nanos += Math.max(0, threads.getThreadCpuTime(thread.getId()));
            }
        }
        return nanos / 1e9;
    }

    private final Map<String, List<double[]>> cpu = new java.util.TreeMap<>();
    private final Map<String, List<double[]>> dbWork = new java.util.TreeMap<>();

    /** PostgreSQL's own counters for this database: commits, rows inserted, updated, fetched (by index), returned. */
    private static double[] pgCounters(JdbcTemplate jdbc) {
        jdbc.execute("SELECT pg_stat_force_next_flush()");
        return jdbc.queryForObject("SELECT xact_commit, tup_inserted, tup_updated, tup_fetched, tup_returned"
                                   + " FROM pg_stat_database WHERE datname = current_database()",
                (rs, n) -> new double[] { rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5) });
    }

    private void recordDbWork(String what, double[] before, double[] after, int files) {
        double[] perFile = new double[before.length];
        for (int i = 0; i < before.length; i++) {
            perFile[i] = (after[i] - before[i]) / files;
        }
        dbWork.computeIfAbsent(what, k -> new ArrayList<>()).add(perFile);
    }

    /** @return CPU seconds per 1,000 deliveries, in the columns of {@link #cpuSnapshot()} */
    private double[] recordCpu(String what, double[] before, double[] after, int files) {
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

    private static long peakRssKb(Process process) {
        return statusKb(process, "VmHWM:");
    }

    private static long rssKb(Process process) {
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

    private static long memTotalKb() {
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

    // ---- reporting ---------------------------------------------------------------------------------------------

    private void line(String text) {
        System.out.println(text);
        report.add(text);
    }

    private static String row(String what, List<Double> values) {
        return String.format(Locale.ROOT, "| %s | %.0f | %.0f–%.0f | %d |", what, median(values), Collections.min(values),
                Collections.max(values), values.size());
    }

    private static String rowRatio(String what, List<Double> values) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f–%.2f | %d |", what, median(values), Collections.min(values),
                Collections.max(values), values.size());
    }

    private static Double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
