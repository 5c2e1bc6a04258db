package com.annoflow.webhookstage.workflow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.util.TimeUtils;

/**
 * The waits between a visit's attempts: the first retry waits the first one, and so on. Written as durations
 * ({@code 5s, 5m, 30m, 2h, 5h}), in {@code webhook.retry-schedule} for the bundle and {@code retry_schedule} per stage.
 */
public final class RetrySchedule {

    /** The longest single wait: a file that waits longer than a week is better failed and redelivered by an operator. */
    public static final Duration LONGEST_WAIT = Duration.ofDays(7);
    public static final int MOST_RETRIES = 50;

    private RetrySchedule() {
    }

    /** The first {@code retries} waits of {@code schedule}, its last wait repeated when more are asked for. */
    public static List<Duration> firstWaits(List<Duration> schedule, int retries) {
        List<Duration> waits = new ArrayList<>(retries);
        for (int i = 0; i < retries; i++) {
            waits.add(schedule.get(Math.min(i, schedule.size() - 1)));
        }
        return List.copyOf(waits);
    }

    /**
     * Reads waits written as durations; a problem is described in {@code problems} (without the field's name, which the
     * caller puts in front) and the schedule returned is then null.
     */
    public static List<Duration> parse(List<String> written, List<String> problems) {
        if (written.isEmpty()) {
            problems.add("is empty: list at least one wait, e.g. [5s, 5m, 30m, 2h, 5h], or set retries: 0 for no retry");
            return null;
        }
        if (written.size() > MOST_RETRIES) {
            problems.add("lists " + written.size() + " waits: at most " + MOST_RETRIES + " retries are allowed");
            return null;
        }
        List<Duration> waits = new ArrayList<>();
        for (String raw : written) {
            String wait = raw.trim();
            Duration duration;
            try {
                duration = Duration.ofMillis(TimeUtils.toMilliSeconds(wait));
            } catch (RuntimeException e) {
                problems.add("has '" + wait + "', which is not a duration: write e.g. 500ms, 5s, 5m, 2h or 1d");
                return null;
            }
            if (duration.isNegative() || duration.isZero() || duration.compareTo(LONGEST_WAIT) > 0) {
                problems.add("has '" + wait + "': every wait must be positive and at most 7d");
                return null;
            }
            waits.add(duration);
        }
        return List.copyOf(waits);
    }

    /** A schedule as it is written: {@code 5s, 5m, 30m, 2h, 5h}. */
    public static String written(List<Duration> schedule) {
        List<String> parts = new ArrayList<>();
        for (Duration wait : schedule) {
            parts.add(written(wait));
        }
        return String.join(", ", parts);
    }

    /**
     * A wait as a person reads it in a log line: 450ms, 1.8s, 12s, 4m 58s, 2h 3m. Rounded, never cut: a jittered 2 s
     * wait of 1,790 ms reads 1.8s, not 1s.
     */
    public static String roughly(Duration wait) {
        long ms = wait.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 9_950) {
            long tenths = Math.round(ms / 100.0);
            return tenths / 10 + (tenths % 10 == 0 ? "" : "." + tenths % 10) + "s";
        }
        long s = Math.round(ms / 1000.0);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s % 60 == 0 ? "" : " " + s % 60 + "s");
        }
        long m = Math.round(s / 60.0);
        return m / 60 + "h" + (m % 60 == 0 ? "" : " " + m % 60 + "m");
    }

    public static String written(Duration wait) {
        long ms = wait.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
