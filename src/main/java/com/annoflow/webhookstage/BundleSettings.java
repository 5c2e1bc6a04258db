package com.annoflow.webhookstage;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.annoflow.webhookstage.api.ApiLimits;
import com.annoflow.webhookstage.api.ServerPorts;
import com.annoflow.webhookstage.endpointhealth.EndpointHealthSettings;
import com.annoflow.webhookstage.retention.RetentionSettings;
import com.annoflow.webhookstage.workflow.RetrySchedule;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

/**
 * Every value an operator may change, read once from the Camel properties ({@code config/application.properties},
 * environment, system properties) and validated at the edge: a bad value stops start-up with the property name and the fix.
 */
public record BundleSettings(
        String workflowFile,
        String dbUrl,
        String dbUser,
        String dbPassword,
        int dbPoolSize,
        int claimBatchSize,
        Duration pollInterval,
        int concurrency,
        int maxInFlight,
        Duration leaseDuration,
        Duration leaseRecoveryInterval,
        Duration queueSummaryInterval,
        Duration groupCommitDelay,
        int defaultRetries,
        List<Duration> retrySchedule,
        Duration defaultTimeout,
        Duration retryAfterCap,
        int maxConcurrencyPerStage,
        int responseExcerptChars,
        int maxPayloadBytes,
        String instanceId,
        String userAgent,
        boolean notificationsEnabled,
        boolean tracingEnabled,
        String ssrfAllow,
        String trustStore,
        String trustStorePassword,
        String adminKey,
        boolean demoEnabled,
        int demoFiles,
        EndpointHealthSettings endpointHealth,
        RetentionSettings retention,
        ApiLimits apiLimits,
        List<String> targetsAllow) {

    public static final String PREFIX = "webhook.";
    /** The margin a lease keeps over an attempt's timeout: the statements around the request. */
    public static final Duration LEASE_MARGIN = Duration.ofSeconds(1);
    /** Properties that are gone, and what replaced them. */
    private static final Map<String, String> REPLACED = Map.of(
            "backoff.initial-delay", "webhook.retry-schedule (the waits between attempts, e.g. 5s, 5m, 30m, 2h, 5h)",
            "backoff.multiplier", "webhook.retry-schedule (the waits between attempts, e.g. 5s, 5m, 30m, 2h, 5h)",
            "backoff.max-delay", "webhook.retry-schedule (the waits between attempts, e.g. 5s, 5m, 30m, 2h, 5h)");

    @Override
    public String toString() {
        // the password is a secret: it never reaches a log line
        return "BundleSettings[workflowFile=" + workflowFile + ", dbUrl=" + dbUrl + ", dbUser=" + dbUser
               + ", dbPoolSize=" + dbPoolSize + ", claimBatchSize=" + claimBatchSize + ", maxInFlight=" + maxInFlight
               + ", leaseDuration=" + leaseDuration + ", instanceId=" + instanceId + "]";
    }

    public static BundleSettings from(CamelContext context) {
        Reader r = new Reader(context.getPropertiesComponent());
        int concurrency = r.integer("concurrency", 1, 500);
        BundleSettings s = new BundleSettings(
                r.text("workflow-file"),
                r.text("db.url"),
                r.text("db.user"),
                r.text("db.password"),
                r.integer("db.pool-size", 1, 200),
                r.integer("claim-batch-size", 1, 1000),
                // whole milliseconds: the form the claim route's scheduler reads
                Duration.ofMillis(r.integer("poll-interval", 10, 3_600_000)),
                concurrency,
                r.integer("max-in-flight", 1, 100_000),
                r.duration("lease-duration"),
                r.duration("lease-recovery-interval"),
                r.duration("queue-summary-interval"),
                Duration.ofMillis(r.integer("group-commit.delay", 0, 1000)),
                r.integer("retries", 0, RetrySchedule.MOST_RETRIES),
                r.schedule("retry-schedule"),
                r.duration("timeout"),
                r.duration("retry-after.max"),
                r.optional("max-concurrency-per-stage").isPresent()
                        ? r.integer("max-concurrency-per-stage", 1, concurrency) : threeQuarters(concurrency),
                r.integer("response-excerpt-chars", 0, 2000),
                r.integer("max-payload-bytes", 1000, 100_000_000),
                r.optional("instance-id").orElseGet(BundleSettings::defaultInstanceId),
                "webhook-stage/" + version(),
                r.bool("notifications.enabled"),
                r.bool("tracing.enabled"),
                r.text("ssrf.allow"),
                r.text("tls.trust-store"),
                r.text("tls.trust-store-password"),
                r.text("api.admin-key"),
                r.bool("demo.enabled"),
                r.integer("demo.files", 0, 1000),
                new EndpointHealthSettings(r.bool("circuit.enabled"),
                        r.integer("circuit.failure-rate", 1, 100),
                        r.duration("circuit.window"),
                        r.integer("circuit.minimum-attempts", 1, 10_000),
                        r.integer("circuit.consecutive-failures", 1, 10_000),
                        r.duration("circuit.probe-interval")),
                new RetentionSettings(r.duration("retention.keep"),
                        r.duration("retention.interval"),
                        r.integer("retention.batch-size", 1, 100_000),
                        r.durationOrOff("retention.complete-files-after")),
                new ApiLimits(r.integer("api.max-request-bytes", 1000, 100_000_000),
                        r.integer("api.max-files-per-request", 1, 100_000),
                        r.integer("api.max-ids-per-request", 1, 100_000),
                        r.integer("api.max-annotations-per-file", 0, 1_000_000),
                        r.integer("api.max-json-depth", 16, 1000),
                        // the upper bounds are the schema's column sizes (changeset 11)
                        r.integer("api.max-name-chars", 1, 1000),
                        r.integer("api.max-path-chars", 1, 4000),
                        r.integer("api.max-url-chars", 1, 8000),
                        r.duration("api.read-timeout")),
                r.schemes("targets.allow"));
        r.replaced();
        r.check(s);
        return s;
    }

    /**
     * The default {@code max_concurrency}: three quarters of the delivery threads, so one slow stage always leaves at
     * least a quarter (and at least one thread) to the others.
     */
    static int threeQuarters(int concurrency) {
        return concurrency == 1 ? 1 : concurrency - Math.max(1, concurrency / 4);
    }

    public static String version() {
        String v = BundleSettings.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0";
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Reads {@code webhook.*} properties and collects every problem before failing once. Every setting has its default
     * in config/application.properties, and only there: a setting that is missing is a problem too.
     */
    private static final class Reader {
        private final PropertiesComponent properties;
        private final List<String> problems = new ArrayList<>();

        Reader(PropertiesComponent properties) {
            this.properties = properties;
        }

        Optional<String> optional(String key) {
            return properties.resolveProperty(PREFIX + key).map(String::trim);
        }

        /** The value, or "" with a problem that names the setting and where its default is. */
        String text(String key) {
            return optional(key).orElseGet(() -> {
                problems.add(PREFIX + key + " is not set: config/application.properties lists every setting with its"
                             + " default; copy its line from the file the bundle ships with, or set "
                             + (PREFIX + key).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_')
                             + " in the environment");
                return "";
            });
        }

        boolean bool(String key) {
            String raw = text(key);
            if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false") && optional(key).isPresent()) {
                problems.add(PREFIX + key + "=" + raw + ": must be true or false");
            }
            return Boolean.parseBoolean(raw);
        }

        int integer(String key, int min, int max) {
            String raw = text(key);
            if (raw.isEmpty() && optional(key).isEmpty()) {
                return min;
            }
            try {
                int value = Integer.parseInt(raw);
                if (value < min || value > max) {
                    problems.add(PREFIX + key + "=" + raw + ": must be between " + min + " and " + max);
                }
                return value;
            } catch (NumberFormatException e) {
                problems.add(PREFIX + key + "=" + raw + ": must be a whole number");
                return min;
            }
        }

        /** Comma-separated URI schemes (Camel component names), lower case; http and https always among them. */
        List<String> schemes(String key) {
            String raw = text(key);
            List<String> schemes = new ArrayList<>();
            for (String scheme : raw.split(",")) {
                String trimmed = scheme.trim().toLowerCase(Locale.ROOT);
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!trimmed.matches("[a-z][a-z0-9+.-]{0,49}")) {
                    problems.add(PREFIX + key + "=" + raw + ": '" + scheme.trim() + "' is not a URI scheme"
                                 + " (a Camel component name such as direct or kafka)");
                } else if (!schemes.contains(trimmed)) {
                    schemes.add(trimmed);
                }
            }
            for (String always : List.of("http", "https")) {
                if (!schemes.contains(always)) {
                    schemes.add(always);
                }
            }
            return List.copyOf(schemes);
        }

        List<Duration> schedule(String key) {
            String raw = text(key);
            if (optional(key).isEmpty()) {
                return List.of();
            }
            List<String> found = new ArrayList<>();
            List<Duration> schedule = RetrySchedule.parse(List.of(raw.split(",")), found);
            if (schedule == null) {
                found.forEach(problem -> problems.add(PREFIX + key + "=" + raw + " " + problem));
                return List.of();
            }
            return schedule;
        }

        /** A property that is gone stops start-up with the one that replaced it, rather than being ignored. */
        void replaced() {
            REPLACED.forEach((key, replacement) -> {
                if (properties.resolveProperty(PREFIX + key).isPresent()) {
                    problems.add(PREFIX + key + " is no longer used: retries wait in the database now; set " + replacement
                                 + " and remove " + PREFIX + key);
                }
            });
        }

        Duration duration(String key) {
            String raw = text(key);
            if (optional(key).isEmpty()) {
                return Duration.ZERO;
            }
            try {
                long millis = TimeUtils.toMilliSeconds(raw);
                if (millis <= 0) {
                    problems.add(PREFIX + key + "=" + raw + ": must be positive, e.g. 500ms, 10s, 2m");
                }
                return Duration.ofMillis(millis);
            } catch (RuntimeException e) {
                problems.add(PREFIX + key + "=" + raw + ": not a duration; write e.g. 500ms, 10s or 2m");
                return Duration.ZERO;
            }
        }

        /** A duration, or null for {@code off}. */
        Duration durationOrOff(String key) {
            if (optional(key).filter(raw -> raw.equalsIgnoreCase("off")).isPresent()) {
                return null;
            }
            Duration value = duration(key);
            if (value.isZero() && optional(key).isPresent()) {
                problems.set(problems.size() - 1, problems.get(problems.size() - 1) + ", or off");
            }
            return value;
        }

        void check(BundleSettings s) {
            if (!s.dbUrl().isEmpty() && !s.dbUrl().startsWith("jdbc:hsqldb:") && !s.dbUrl().startsWith("jdbc:postgresql:")) {
                problems.add(PREFIX + "db.url=" + s.dbUrl() + ": only jdbc:hsqldb: and jdbc:postgresql: URLs are supported");
            }
            Duration needed = s.defaultTimeout().plus(LEASE_MARGIN);
            if (s.leaseDuration().compareTo(needed) < 0) {
                problems.add(PREFIX + "lease-duration=" + s.leaseDuration().toMillis() + "ms: must be at least the request"
                             + " timeout (webhook.timeout, " + s.defaultTimeout().toMillis() + "ms) plus "
                             + LEASE_MARGIN.toSeconds() + "s, or a slow attempt would lose its lease");
            }
            if (s.endpointHealth().window().toSeconds() < 1) {
                problems.add(PREFIX + "circuit.window=" + s.endpointHealth().window().toMillis() + "ms: must be at least 1s"
                             + " (the failure rate is counted per second)");
            }
            // the HTTP servers' addresses too, before the database is touched: Camel's server would only log a taken
            // port, and the bundle would run without its API
            problems.addAll(ServerPorts.problems(properties));
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("Invalid configuration:\n  - " + String.join("\n  - ", problems));
            }
        }
    }
}
