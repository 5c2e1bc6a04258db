package com.annoflow.webhookstage.bench;

import java.nio.file.Path;
import java.time.Duration;

/** What a benchmark run does, from the {@code bench.*} system properties the pom's bench profile passes. */
final class BenchConfig {

    static final int FILES = Integer.getInteger("bench.files", 20_000);
    static final int ANNOTATED_FILES = Integer.getInteger("bench.annotated-files", 5_000);
    static final int RUNS = Integer.getInteger("bench.runs", 3);
    /** Rounds run before the measured ones, to warm the JIT and the pools of the bundle and of the baseline. */
    static final int WARM_UP_ROUNDS = Integer.getInteger("bench.warm-up-rounds", 1);
    static final int WARM_UP_PASSES = Integer.getInteger("bench.warm-up-passes", 8);
    static final int MIN_WARM_UP_PASSES = 3;
    static final int LATENCY_SECONDS = Integer.getInteger("bench.latency-seconds", 20);
    static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 32);
    static final int BASELINE_THREADS = Integer.getInteger("bench.baseline-threads", 8);
    /** The minimal baseline's threads, each with a claim of 200 files in flight (issue 19: "a few threads"). */
    static final int MINIMAL_THREADS = Integer.getInteger("bench.minimal-threads", 4);
    static final String DATABASES = System.getProperty("bench.databases", "hsqldb,postgresql");
    static final Duration RUN_LIMIT = Duration.ofMinutes(Integer.getInteger("bench.run-limit-minutes", 10));
    static final Path DIR = Path.of("target", "bench");
    /**
     * How often a run checks whether every file moved on. The end of a run is read from the database (the last move's
     * time), so the check can be rare: at 50 ms its COUNT cost PostgreSQL a seventh of a core during every run.
     */
    static final int PROGRESS_CHECK_MILLIS = 250;
    static final int MILLION = Integer.getInteger("bench.waiting-files", 1_000_000);
    /** Files waiting for a retry (due in an hour) while the claim is measured and the bundle delivers (issue 15). */
    static final int RETRY_WAITING = Integer.getInteger("bench.retry-waiting-files", 100_000);
    /**
     * PostgreSQL, profiling only: per-statement figures (pg_stat_statements) of each measured bundle and baseline run,
     * written to target/bench/pg-statements-*.txt. Needs the module preloaded (docs/benchmarks.md, "Reproducing a
     * profile"); its bookkeeping costs both sides alike.
     */
    static final boolean PG_STATEMENTS = Boolean.getBoolean("bench.pg-statements");
    /**
     * Diagnostics: more latency runs after the measured one, at these fixed rates (files/s, comma-separated), each with
     * its CPU per delivery (and with bench.pg-statements its statement profile): where latency turns from flat to
     * growing, and what a trickle costs per file next to a burst.
     */
    static final String LATENCY_RATES = System.getProperty("bench.latency-rates", "");

    private BenchConfig() {
    }
}
