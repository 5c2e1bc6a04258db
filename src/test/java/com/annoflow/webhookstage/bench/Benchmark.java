package com.annoflow.webhookstage.bench;

import static com.annoflow.webhookstage.bench.BenchConfig.*;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.annoflow.webhookstage.storage.Storage;
import org.HdrHistogram.Histogram;
import org.hsqldb.Database;
import org.hsqldb.server.Server;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The throughput and latency benchmark (docs/benchmarks.md): {@code mvn -B -Pbench -DskipTests verify}.
 * For each database: a receiver in its own JVM, the bundle in its own JVM (as {@code mvn camel:run} starts it, with
 * routes/ and config/), and the raw baseline in this JVM, alternating, on the same files and the same database.
 * Prints a table and writes it to target/bench/results.md. Every wait is bounded; it stops by itself.
 */
public final class Benchmark {

    private final BenchProcesses processes = new BenchProcesses();
    private final Measurement measurement = new Measurement(processes);
    /**
     * Every process's CPU when the last run had reset the database and the receiver, before its files were assigned: a
     * run's CPU per delivery counts from here. Until 2026-12-07 it counted from before the reset, whose DELETEs,
     * VACUUM and CHECKPOINT weighed on the short runs most (1,000 or 5,000 annotated files against 20,000 plain).
     */
    private double[] cpuAtRunStart;
    private final Report report = new Report();
    /** Each workflow's dataset stage and its files: where reset() puts every file back. */
    private final Map<Long, List<String>> homes = new LinkedHashMap<>();
    private boolean postgres;

    public static void main(String[] args) throws Exception {
        Benchmark benchmark = new Benchmark();
        Runtime.getRuntime().addShutdownHook(new Thread(benchmark.processes::killChildren));
        try {
            benchmark.run();
        } finally {
            benchmark.processes.killChildren();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(DIR);
        report.line("# Benchmark run " + Instant.now());
        report.line("");
        report.line("machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
             + (Measurement.memTotalKb() / 1024) + " MB RAM, Java " + System.getProperty("java.version") + " ("
             + System.getProperty("java.vm.name") + "), " + System.getProperty("os.name") + " " + System.getProperty("os.version"));
        report.line("files " + FILES + " (about 2 KB of metadata each), annotated files " + ANNOTATED_FILES
             + " (about 20 KB of annotations each), runs " + RUNS + ", bundle webhook.concurrency " + CONCURRENCY
             + ", baseline threads " + BASELINE_THREADS);
        processes.startReceiver();
        for (String database : DATABASES.split(",")) {
            runOn(database.trim());
        }
        report.write();
        System.out.println("written to " + DIR.resolve("results.md"));
    }

    private void runOn(String database) throws Exception {
        if (database.equals("hsqldb-embedded")) {
            new EmbeddedScenarios(processes, measurement, report).run();
            return;
        }
        String url;
        Server hsqldb = null;
        if (database.equals("hsqldb")) {
            BenchProcesses.deleteRecursively(DIR.resolve("hsqldb"));
            hsqldb = new Server();
            hsqldb.setAddress("127.0.0.1");
            int port = BenchProcesses.freePort();
            hsqldb.setPort(port);
            hsqldb.setDatabaseName(0, "bench");
            hsqldb.setDatabasePath(0, "file:" + DIR.resolve("hsqldb").toAbsolutePath() + "/bench;hsqldb.tx=locks" + System.getProperty("bench.hsqldb-url-extra", ""));
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
                report.line("");
                report.line("## postgresql: skipped, no PostgreSQL at 127.0.0.1:5432 (" + e.getMessage() + ")");
                return;
            }
            url = "jdbc:postgresql://127.0.0.1:5432/webhook_bench";
        }
        String user = database.equals("hsqldb") ? "SA" : "postgres";
        Path workflow = processes.writeWorkflow();
        try {
            processes.useBundle(database, url, user, workflow, false);
            processes.ensureBundle();
            // named apart from the bundle's connections (webhook-stage) in pg_stat_activity
            Storage storage = new Storage(database.equals("hsqldb") ? url : url + "?ApplicationName=webhook-bench", user,
                    "", BASELINE_THREADS + 2);
            try {
                benchmarkOn(database, storage);
            } finally {
                processes.stopBundle();
                storage.stop();
            }
        } finally {
            if (hsqldb != null) {
                hsqldb.shutdownCatalogs(Database.CLOSEMODE_NORMAL);
                hsqldb.stop();
            }
        }
    }

    private void benchmarkOn(String database, Storage storage) throws Exception {
        JdbcTemplate jdbc = storage.jdbc();
        List<String> plain = BenchData.register(storage, FILES, "plain", 0);
        List<String> annotated = BenchData.register(storage, ANNOTATED_FILES, "annotated", 20_000);
        homes.clear();
        homes.put(BenchData.stageId(jdbc, "bench", "dataset"), plain);
        homes.put(BenchData.stageId(jdbc, "bench-annotations", "dataset"), annotated);
        // settle the freshly loaded tables first, or autovacuum (PostgreSQL) lands in the middle of the first run
        postgres = database.equals("postgresql");
        for (String table : List.of("file", "file_slot", "slot_source_file", "annotation", "assignment")) {
            jdbc.execute(postgres ? "VACUUM ANALYZE " + table : "CHECKPOINT");
        }
        long hook = BenchData.stageId(jdbc, "bench", "hook");
        long next = BenchData.stageId(jdbc, "bench", "annotate");
        long annotationsHook = BenchData.stageId(jdbc, "bench-annotations", "hook");
        long annotationsNext = BenchData.stageId(jdbc, "bench-annotations", "annotate");

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
        processes.ensureBundle();
        warmUntilSteady(jdbc, database, plain, annotated, new long[] { hook, next, annotationsHook, annotationsNext });
        warmBaselineUntilSteady(storage, jdbc, database, plain, hook, next);
        storeMinimalBaselinePayloads(storage, plain);
        processes.pause(true);
        minimal(storage, jdbc, plain, hook, next); // warm-up, not counted
        processes.pause(false);
        List<Double> minimalRates = new ArrayList<>();
        for (int round = 1 - WARM_UP_ROUNDS; round <= RUNS; round++) {
            boolean counted = round >= 1;
            double[] dbBefore = postgres ? Measurement.pgCounters(jdbc) : null;
            boolean profiled = counted && postgres && measurement.startStatementProfile(jdbc);
            double bundleRate = throughput(jdbc, plain, hook, next, false);
            if (profiled) {
                measurement.writeStatementProfile(jdbc, "bundle-run" + round, plain.size());
            }
            if (counted) {
                bundleRates.add(bundleRate);
                measurement.recordCpu(database + " bundle", cpuAtRunStart, measurement.cpuSnapshot(), plain.size());
                if (postgres) {
                    Thread.sleep(1500); // statistics reach pg_stat_database within a second
                    measurement.recordDbWork("bundle", dbBefore, Measurement.pgCounters(jdbc), plain.size());
                }
            }
            double annotatedRate = throughput(jdbc, annotated, annotationsHook, annotationsNext, false);
            if (counted) {
                measurement.recordCpu(database + " bundle, annotated", cpuAtRunStart, measurement.cpuSnapshot(),
                        annotated.size());
            }
            boolean failingProfiled = counted && postgres && measurement.startStatementProfile(jdbc);
            double failingRate = throughput(jdbc, plain, hook, next, true);
            long requests = processes.receiverRequests();
            if (failingProfiled) {
                measurement.writeStatementProfile(jdbc, "failing-run" + round, plain.size());
            }
            if (counted) {
                // per file, as the all-200 run: the extra attempts show as the extra CPU per file
                measurement.recordCpu(database + " bundle, 20 % failing", cpuAtRunStart, measurement.cpuSnapshot(),
                        plain.size());
                annotatedRates.add(annotatedRate);
                failingRates.add(failingRate);
                failingRequests.add(requests);
            }
            rssKb = Math.max(rssKb, Measurement.peakRssKb(processes.bundle()));
            processes.pause(true);
            double[] dbBaselineBefore = postgres ? Measurement.pgCounters(jdbc) : null;
            boolean baselineProfiled = counted && postgres && measurement.startStatementProfile(jdbc);
            double baselineRate = baseline(storage, jdbc, plain, hook, next);
            if (baselineProfiled) {
                measurement.writeStatementProfile(jdbc, "baseline-run" + round, plain.size());
            }
            if (counted) {
                baselineRates.add(baselineRate);
                measurement.recordCpu(database + " baseline", cpuAtRunStart, measurement.cpuSnapshot(), plain.size());
                if (postgres) {
                    Thread.sleep(1500);
                    measurement.recordDbWork("baseline", dbBaselineBefore, Measurement.pgCounters(jdbc), plain.size());
                }
            }
            double minimalRate = minimal(storage, jdbc, plain, hook, next);
            if (counted) {
                minimalRates.add(minimalRate);
                measurement.recordCpu(database + " minimal baseline", cpuAtRunStart, measurement.cpuSnapshot(), plain.size());
            }
            processes.pause(false);
            System.out.printf(Locale.ROOT, "%s %s: bundle %.0f/s, minimal baseline %.0f/s (%.2f), raw baseline %.0f/s (%.2f),"
                              + " 20%% failing %.0f/s (%.2f)%n", database, counted ? "run " + round : "warm-up round", bundleRate,
                    minimalRate, bundleRate / minimalRate, baselineRate, bundleRate / baselineRate, failingRate,
                    failingRate / bundleRate);
        }

        double rate = Report.median(bundleRates) / 2;
        // as many latency runs as throughput runs: the goal is judged on the median p99, and one 20 s run swings
        // (PostgreSQL p99 13-36 ms in single runs of one day)
        List<Histogram> latencies = new ArrayList<>();
        for (int run = 1; run <= RUNS; run++) {
            latencies.add(latency(jdbc, plain, hook, next, rate));
        }
        rssKb = Math.max(rssKb, Measurement.peakRssKb(processes.bundle()));
        List<String> sweep = new ArrayList<>();
        for (String fixed : LATENCY_RATES.split(",")) {
            if (fixed.isBlank()) {
                continue;
            }
            double at = Double.parseDouble(fixed.trim());
            double[] before = measurement.cpuSnapshot();
            boolean sweepProfiled = postgres && measurement.startStatementProfile(jdbc);
            Histogram h = latency(jdbc, plain, hook, next, at);
            if (sweepProfiled) {
                measurement.writeStatementProfile(jdbc, "latency-" + fixed.trim(), (int) h.getTotalCount());
            }
            double[] c = measurement.recordCpu(database + " latency at " + fixed.trim(), before, measurement.cpuSnapshot(), (int) h.getTotalCount());
            sweep.add(String.format(Locale.ROOT, "| %.0f | %d / %d / %d | %d | %.2f | %.2f | %.2f | %.2f |", at,
                    h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount(), c[0],
                    c[2], c[3] + c[4], c[0] + c[1] + c[2] + c[3] + c[4]));
        }
        String[] million = postgres && MILLION > 0 ? millionWaiting(jdbc, hook, next) : null;
        String[] retrying = RETRY_WAITING > 0 ? retriesWaiting(jdbc, hook, next, plain) : null;
        processes.stopBundle();

        report.line("");
        report.line("## " + database + (postgres ? " (notifications on)" : " (HSQLDB server, file database, locks mode)"));
        report.line("");
        report.line("| measure | median | min–max | runs |");
        report.line("|---|---|---|---|");
        report.line(Report.row("bundle, " + FILES + " files, deliveries/s", bundleRates));
        report.line(Report.row("minimal baseline (claim a batch, POST stored bytes, one batched move and commit per batch),"
                               + " deliveries/s", minimalRates));
        List<Double> toMinimal = new ArrayList<>();
        for (int i = 0; i < bundleRates.size(); i++) {
            toMinimal.add(minimalRates.get(i) == 0 ? 0 : bundleRates.get(i) / minimalRates.get(i));
        }
        report.line(Report.rowRatio("**bundle ÷ minimal baseline** (same run; what the machine can do)", toMinimal));
        report.line(Report.row("raw baseline (the bundle's work without Camel), " + FILES + " files, deliveries/s", baselineRates));
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < bundleRates.size(); i++) {
            ratios.add(baselineRates.get(i) == 0 ? 0 : bundleRates.get(i) / baselineRates.get(i));
        }
        report.line(Report.rowRatio("bundle ÷ baseline (same run)", ratios));
        report.line(Report.row("bundle, " + ANNOTATED_FILES + " files with ~20 KB annotations, deliveries/s", annotatedRates));
        report.line(Report.row("bundle, 20% of first attempts answered 500, deliveries/s", failingRates));
        List<Double> failingRatios = new ArrayList<>();
        for (int i = 0; i < failingRates.size(); i++) {
            failingRatios.add(bundleRates.get(i) == 0 ? 0 : failingRates.get(i) / bundleRates.get(i));
        }
        report.line(Report.rowRatio("… 20% failing ÷ all answered 200 (same run)", failingRatios));
        report.line("| … total attempts for " + FILES + " files (20% fail first) | " + Report.median(failingRequests.stream()
                .map(Long::doubleValue).toList()).longValue() + " | " + Collections.min(failingRequests) + "–"
             + Collections.max(failingRequests) + " | " + failingRequests.size() + " |");
        List<Double> p50s = latencies.stream().map(h -> (double) h.getValueAtPercentile(50)).toList();
        List<Double> p99s = latencies.stream().map(h -> (double) h.getValueAtPercentile(99)).toList();
        List<Double> maxes = latencies.stream().map(h -> (double) h.getMaxValue()).toList();
        report.line(String.format(Locale.ROOT, "| bundle latency, assignment → arrival, at %.0f files/s (half the median),"
                                               + " p50 / **p99** / max ms, medians | %.0f / **%.0f** / %.0f | p99 %.0f–%.0f | %d × %d files |",
                rate, Report.median(p50s), Report.median(p99s), Report.median(maxes), Collections.min(p99s),
                Collections.max(p99s), latencies.size(), latencies.get(0).getTotalCount()));
        report.line("| bundle peak RSS (VmHWM), MB | " + rssKb / 1024 + " | | |");
        if (!sweep.isEmpty()) {
            report.line("");
            report.line("Latency at fixed rates (bench.latency-rates), CPU ms per delivery over each run (its trickle included):");
            report.line("");
            report.line("| files/s | p50 / p99 / max ms | files | bundle JVM | receiver | database server | total |");
            report.line("|---|---|---|---|---|---|---|");
            sweep.forEach(report::line);
        }
        if (million != null) {
            report.line("| with " + MILLION + " files waiting: claim of 100 (EXPLAIN ANALYZE, median of " + Measurement.CLAIM_SAMPLES
                 + "), ms / buffers | " + million[0] + " | | (" + million[1] + " with " + million[2] + " waiting) |");
            report.line("| … the same before ANALYZE (statistics of the " + million[2] + "-file queue), ms / buffers | " + million[6]
                 + " | | |");
            report.line("| with " + MILLION + " files waiting: bundle deliveries/s over the first " + million[3] + " | " + million[4] + " | | |");
            report.line("| with " + MILLION + " files waiting: bundle peak RSS (VmHWM), MB | " + million[5] + " | | |");
        }
        if (retrying != null) {
            report.line("| claim of " + (postgres ? "100 (EXPLAIN ANALYZE, median of " + Measurement.CLAIM_SAMPLES + "), ms / buffers"
                                          : "100 (both candidate queries, median of " + Measurement.HSQLDB_CLAIM_SAMPLES + "), ms")
                 + ", 1,000 files due, " + RETRY_WAITING + " waiting for a retry (due in an hour) | " + retrying[1]
                 + " | | (" + retrying[0] + " with 1,000 waiting) |");
            report.line("| … the same with the (paused) bundle's process suspended, so none of its periodic queries runs"
                 + " beside | " + retrying[5] + " | | (" + retrying[4] + " with 1,000 waiting) |");
            report.line("| with " + RETRY_WAITING + " files waiting for a retry: bundle deliveries/s, " + FILES + " files | "
                 + retrying[2] + " | | |");
            report.line("| with " + RETRY_WAITING + " files waiting for a retry: bundle RSS now (VmRSS), MB | " + retrying[3] + " | | |");
        }
        report.line("");
        report.line("CPU seconds per 1,000 files delivered, median of the runs (the benchmark JVM runs the baseline and polls"
             + " the database for progress; on HSQLDB it also hosts the database server, whose threads are counted apart);"
             + " cores busy is the total times the run's median rate (2 would be both cores all the time):");
        report.line("");
        report.line("| run | bundle JVM | benchmark JVM | receiver | PostgreSQL server | HSQLDB server | total | cores busy |");
        report.line("|---|---|---|---|---|---|---|---|");
        Map<String, List<Double>> ratesOf = Map.of(database + " bundle", bundleRates, database + " baseline", baselineRates,
                database + " bundle, 20 % failing", failingRates, database + " minimal baseline", minimalRates);
        for (String who : List.of(database + " bundle", database + " bundle, 20 % failing", database + " baseline",
                database + " minimal baseline")) {
            List<double[]> samples = measurement.cpu.getOrDefault(who, List.of());
            if (samples.isEmpty()) {
                continue;
            }
            double[] m = new double[5];
            for (int i = 0; i < 5; i++) {
                final int column = i;
                m[i] = Report.median(samples.stream().map(a -> a[column]).toList());
            }
            double total = m[0] + m[1] + m[2] + m[3] + m[4];
            report.line(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |", who, m[0], m[1], m[2],
                    m[3], m[4], total, total * Report.median(ratesOf.get(who)) / 1000));
        }
        if (postgres) {
            report.line("");
            report.line("PostgreSQL's counters per delivery (pg_stat_database, median of the runs; includes the reset and the"
                 + " progress checks, alike for both):");
            report.line("");
            report.line("| run | commits | rows inserted | rows updated | rows fetched | rows returned |");
            report.line("|---|---|---|---|---|---|");
            for (String who : List.of("bundle", "baseline")) {
                List<double[]> samples = measurement.dbWork.getOrDefault(who, List.of());
                if (samples.isEmpty()) {
                    continue;
                }
                StringBuilder row = new StringBuilder("| " + who + " |");
                for (int i = 0; i < 5; i++) {
                    final int column = i;
                    row.append(String.format(Locale.ROOT, " %.1f |", Report.median(samples.stream().map(a -> a[column]).toList())));
                }
                report.line(row.toString());
            }
            measurement.dbWork.clear();
        }
        report.write();
    }

    /**
     * The minimal baseline's payloads: for each file the exact bytes the bundle would send (its preview through the
     * API), fetched before any measurement by a few threads and stored in a table of the baseline's own.
     */
    private void storeMinimalBaselinePayloads(Storage storage, List<String> files) throws Exception {
        Map<String, byte[]> bodies = new java.util.concurrent.ConcurrentHashMap<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (String id : files) {
                done.add(pool.submit(() -> {
                    String preview = processes.apiGet("/api/workflows/bench/stages/hook/preview?file_id=" + id);
                    bodies.put(id, json.readTree(preview).get("body").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        MinimalBaseline.storePayloads(storage.dataSource(), postgres, bodies);
    }

    private double minimal(Storage storage, JdbcTemplate jdbc, List<String> files, long hook, long next) throws Exception {
        reset(jdbc);
        processes.resetReceiver(false);
        cpuAtRunStart = measurement.cpuSnapshot();
        MinimalBaseline baseline = new MinimalBaseline(storage.dataSource(), postgres, hook, next,
                URI.create("http://127.0.0.1:" + processes.receiverPort() + "/hook"), MINIMAL_THREADS, 200);
        Instant startedAt = Instant.now();
        BenchData.assign(jdbc, files, hook);
        baseline.run(() -> BenchData.moved(jdbc, next) >= files.size(), RUN_LIMIT);
        long moved = BenchData.moved(jdbc, next);
        return moved < files.size() ? 0 : files.size() / Measurement.secondsUntilLastAssignment(jdbc, startedAt, next);
    }

    private double baseline(Storage storage, JdbcTemplate jdbc, List<String> files, long hook, long next)
            throws Exception {
        reset(jdbc);
        processes.resetReceiver(false);
        cpuAtRunStart = measurement.cpuSnapshot();
        RawBaseline baseline = new RawBaseline(storage.dataSource(), postgres, hook, next,
                URI.create("http://127.0.0.1:" + processes.receiverPort() + "/hook"), BASELINE_THREADS, 50);
        Instant startedAt = Instant.now();
        BenchData.assign(jdbc, files, hook);
        baseline.run(() -> BenchData.moved(jdbc, next) >= files.size(), RUN_LIMIT);
        long moved = BenchData.moved(jdbc, next);
        return moved < files.size() ? 0 : files.size() / Measurement.secondsUntilLastMove(jdbc, startedAt, next);
    }

    /**
     * The queue holds a million files: the claim statement's cost (EXPLAIN ANALYZE, rolled back) against a small queue,
     * the bundle's rate over its first deliveries, and its RSS. Files are made in SQL (generate_series), not registered.
     * @return [claim ms at a million, claim ms small, small count, delivered, deliveries/s, RSS MB, claim ms at a million
     *         before ANALYZE]
     */
    private String[] millionWaiting(JdbcTemplate jdbc, long hook, long next) throws Exception {
        processes.pause(true);
        reset(jdbc);
        jdbc.update("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)"
                    + " SELECT gen_random_uuid()::text, 'waiting-' || g, '/waiting', 'My Team', 'my-team', 'Cars', 'cars', now()"
                    + " FROM generate_series(1, 1000) g");
        jdbc.update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at, updated_at)"
                    + " SELECT item_id, ?, 'QUEUED', 0, now(), now(), now() FROM file WHERE name LIKE 'waiting-%'", hook);
        jdbc.execute("ANALYZE assignment");
        String small = Measurement.claimMillis(jdbc);
        reset(jdbc);
        jdbc.update("INSERT INTO file (item_id, name, path, team_name, team_slug, dataset_name, dataset_slug, registered_at)"
                    + " SELECT gen_random_uuid()::text, 'waiting-' || g, '/waiting', 'My Team', 'my-team', 'Cars', 'cars', now()"
                    + " FROM generate_series(1001, " + MILLION + ") g");
        jdbc.update("INSERT INTO assignment (item_id, stage_id, status, attempts, assigned_at, due_at, updated_at)"
                    + " SELECT item_id, ?, 'QUEUED', 0, now() - interval '1 hour', now() - interval '1 hour', now()"
                    + " FROM file WHERE name LIKE 'waiting-%'", hook);
        String unanalyzed = Measurement.claimMillis(jdbc); // statistics from the small queue: as a burst finds them
        jdbc.execute("ANALYZE assignment");
        String big = Measurement.claimMillis(jdbc);
        int count = Math.min(FILES, 20_000);
        processes.resetReceiver(false);
        processes.pause(false);
        long started = System.nanoTime();
        long deadline = started + RUN_LIMIT.toNanos();
        while (BenchData.moved(jdbc, next) < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        double rate = BenchData.moved(jdbc, next) / ((System.nanoTime() - started) / 1e9);
        processes.pause(true);
        String rss = Long.toString(Measurement.peakRssKb(processes.bundle()) / 1024);
        processes.pause(false);
        return new String[] { big, small, "1000", Integer.toString(count), String.format(Locale.ROOT, "%.0f", rate), rss,
                unanalyzed };
    }

    /**
     * Files waiting for a retry, due in an hour, beside 1,000 due files of the same stage: the claim's cost with 1,000 and
     * with {@link #RETRY_WAITING} of them waiting, then the bundle delivering {@link #FILES} files while they wait, and
     * its RSS. @return [claim small, claim big, deliveries/s, RSS MB,
     * claim small and claim big with the bundle suspended]
     */
    private String[] retriesWaiting(JdbcTemplate jdbc, long hook, long next, List<String> plain)
            throws Exception {
        processes.pause(true);
        reset(jdbc);
        List<String> few = BenchData.insertFiles(jdbc, "retry-few-", 1_000);
        BenchData.park(jdbc, few, hook);
        BenchData.assign(jdbc, plain.subList(0, 1_000), hook);
        jdbc.execute(postgres ? "ANALYZE assignment" : "CHECKPOINT");
        String small = postgres ? Measurement.claimMillis(jdbc, hook) : Measurement.hsqldbClaimMillis(jdbc, hook);
        String smallSuspended = processes.whileBundleSuspended(() -> postgres ? Measurement.claimMillis(jdbc, hook)
                : Measurement.hsqldbClaimMillis(jdbc, hook));
        reset(jdbc);
        List<String> many = BenchData.insertFiles(jdbc, "retry-many-", RETRY_WAITING);
        BenchData.park(jdbc, many, hook);
        BenchData.assign(jdbc, plain.subList(0, 1_000), hook);
        jdbc.execute(postgres ? "ANALYZE assignment" : "CHECKPOINT");
        String big = postgres ? Measurement.claimMillis(jdbc, hook) : Measurement.hsqldbClaimMillis(jdbc, hook);
        String bigSuspended = processes.whileBundleSuspended(() -> postgres ? Measurement.claimMillis(jdbc, hook)
                : Measurement.hsqldbClaimMillis(jdbc, hook));
        reset(jdbc);
        BenchData.park(jdbc, many, hook);
        processes.resetReceiver(false);
        processes.pause(false);
        Instant startedAt = Instant.now();
        BenchData.assign(jdbc, plain, hook);
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (BenchData.moved(jdbc, next) < plain.size() && System.nanoTime() < deadline) {
            Thread.sleep(PROGRESS_CHECK_MILLIS);
        }
        double rate = plain.size() / Measurement.secondsUntilLastMove(jdbc, startedAt, next);
        String rss = Long.toString(Measurement.rssKb(processes.bundle()) / 1024);
        processes.pause(true);
        jdbc.update("DELETE FROM assignment WHERE status = 'WAITING'");
        processes.pause(false);
        return new String[] { small, big, String.format(Locale.ROOT, "%.0f", rate), rss, smallSuspended, bigSuspended };
    }

    private double throughput(JdbcTemplate jdbc, List<String> files, long stage, long next, boolean failFirst)
            throws Exception {
        // the files are assigned while the stage is paused, and its resume starts the run: the resume wakes the claim at
        // once on either database. Assigned by SQL alone, the bundle saw them on HSQLDB (no notifications) only at its
        // next poll, anywhere up to webhook.poll-interval (1 s) later, and the runs drew that wait by chance: the
        // 20 %-failing run, which follows the annotated run, lost most of a second at its start in every run (2026-12-07)
        String workflow = workflowOf(jdbc, stage);
        processes.pause(workflow, true);
        reset(jdbc);
        processes.resetReceiver(failFirst);
        cpuAtRunStart = measurement.cpuSnapshot();
        Instant startedAt = Instant.now();
        long started = System.nanoTime();
        BenchData.assign(jdbc, files, stage);
        processes.pause(workflow, false);
        long deadline = started + RUN_LIMIT.toNanos();
        while (BenchData.moved(jdbc, next) < files.size()) {
            if (System.nanoTime() > deadline || !processes.bundle().isAlive()) {
                throw new IllegalStateException("bundle did not deliver " + files.size() + " files within " + RUN_LIMIT
                                                + "; see " + processes.bundleLog());
            }
            // the same progress check as the baseline's, so both pay for it alike
            Thread.sleep(PROGRESS_CHECK_MILLIS);
        }
        System.out.println("window " + (failFirst ? "20 % failing" : files.size() + " files") + ": " + startedAt + " "
                           + Instant.now());
        return files.size() / Measurement.secondsUntilLastMove(jdbc, startedAt, next);
    }

    private static String workflowOf(JdbcTemplate jdbc, long stage) {
        return jdbc.queryForObject("SELECT workflow_name FROM stage WHERE id = ?", String.class, stage);
    }

    private Histogram latency(JdbcTemplate jdbc, List<String> files, long stage, long next, double rate) throws Exception {
        reset(jdbc);
        processes.resetReceiver(false);
        int count = (int) Math.min(files.size(), rate * LATENCY_SECONDS);
        Map<String, Long> assignedAt = new HashMap<>();
        // when each tick's assigning statement had committed: the part of a file's latency that is the database's commit
        Map<String, Long> committedAt = new HashMap<>();
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
                BenchData.assign(jdbc, chunk, stage);
                long committed = System.currentTimeMillis();
                chunk.forEach(id -> {
                    assignedAt.put(id, now);
                    committedAt.put(id, committed);
                });
                sent = upTo;
            }
        }
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (BenchData.moved(jdbc, next) < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Histogram histogram = new Histogram(3);
        StringBuilder dump = new StringBuilder(
                "# assigned at (epoch ms, before the assigning statement), assignment committed at, arrived at, latency ms, file\n");
        for (String line : processes.receiverArrivals().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" ");
            Long at = assignedAt.get(parts[0]);
            if (at != null) {
                long arrived = Long.parseLong(parts[1]);
                histogram.recordValue(Math.max(0, arrived - at));
                dump.append(at).append(' ').append(committedAt.get(parts[0])).append(' ').append(arrived).append(' ')
                        .append(arrived - at).append(' ').append(parts[0]).append('\n');
            }
        }
        // every file's times, for finding what makes the tail (bench.latency-dump=true): one file per latency run
        if (Boolean.getBoolean("bench.latency-dump")) {
            Files.writeString(DIR.resolve("latency-" + Instant.now().toEpochMilli() + ".txt"), dump);
        }
        return histogram;
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
        processes.pause(true);
        passUntilSettled(database + " baseline", 1, plain.size(),
                () -> baseline(storage, jdbc, plain, hook, next), () -> null);
        processes.pause(false);
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
     * {@link #measurement.cpuSnapshot()}, then the rest of a pass) until a pass is no more than 5 % cheaper than the cheapest
     * before it, after at least {@value #MIN_WARM_UP_PASSES}, or {@code bench.warm-up-passes}.
     */
    private void passUntilSettled(String who, int cpuColumn, int files, Callable<Double> measured,
            Callable<?> rest) throws Exception {
        double cheapest = Double.MAX_VALUE;
        for (int pass = 1; pass <= WARM_UP_PASSES; pass++) {
            double before = measurement.cpuSnapshot()[cpuColumn];
            double rate = measured.call();
            double cpuMs = (measurement.cpuSnapshot()[cpuColumn] - before) * 1000.0 / files;
            rest.call();
            System.out.printf(Locale.ROOT, "%s warm-up pass %d: %.0f/s, %.2f CPU ms per delivery%n", who, pass, rate, cpuMs);
            if (pass >= MIN_WARM_UP_PASSES && cpuMs >= 0.95 * cheapest) {
                return;
            }
            cheapest = Math.min(cheapest, cpuMs);
        }
    }

    /** Every file back in its dataset stage, the history emptied (BenchData.reset). */
    private void reset(JdbcTemplate jdbc) {
        BenchData.reset(jdbc, homes, postgres);
    }
}
