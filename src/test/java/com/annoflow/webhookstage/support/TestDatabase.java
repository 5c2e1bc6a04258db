package com.annoflow.webhookstage.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import org.junit.jupiter.api.Assumptions;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A fresh database for one test bundle, on the engine the suite runs against: HSQLDB by default, PostgreSQL when the
 * surefire execution sets {@code webhook.test.database=postgresql}. Without a reachable PostgreSQL those tests are
 * skipped with a message saying so, unless {@code webhook.test.postgres=required} (as in .ci/run) makes that a failure.
 */
public record TestDatabase(String url, String user, String password) {

    public static final String ENGINE = System.getProperty("webhook.test.database", "hsqldb");
    private static final String PG_SERVER = System.getProperty("webhook.test.pg.server", "127.0.0.1:5432");
    private static final String PG_USER = System.getProperty("webhook.test.pg.user", "postgres");
    private static final String PG_PASSWORD = System.getProperty("webhook.test.pg.password", "");

    public static boolean isPostgres() {
        return "postgresql".equals(ENGINE);
    }

    /** A new, empty database that lives as long as the test run (HSQLDB: in memory). */
    public static TestDatabase fresh() {
        return isPostgres() ? postgres() : new TestDatabase("jdbc:hsqldb:mem:test-" + UUID.randomUUID(), "SA", "");
    }

    /** A new HSQLDB file database under target/, whatever the run's engine: the embedded default's kind. */
    public static TestDatabase embeddedFile() {
        return new TestDatabase("jdbc:hsqldb:file:" + Path.of("target", "db-" + UUID.randomUUID(), "db")
                                + ";shutdown=true;hsqldb.write_delay=false", "SA", "");
    }

    /** A new database that survives a restart of the bundle (HSQLDB: files under target/). */
    public static TestDatabase durable() {
        return isPostgres() ? postgres()
                : new TestDatabase("jdbc:hsqldb:file:" + Path.of("target", "db-" + UUID.randomUUID(), "db") + ";shutdown=true",
                        "SA", "");
    }

    /**
     * HSQLDB: the database files exist already, made with HSQLDB's own defaults (a commit synced every 500 ms), as a
     * bundle of an earlier version left them in data/. PostgreSQL: nothing to do.
     */
    public TestDatabase madeWithHsqldbDefaults() {
        if (!isPostgres()) {
            try (Connection connection = DriverManager.getConnection(url.replace(";hsqldb.write_delay=false", ""), user,
                    password); Statement statement = connection.createStatement()) {
                statement.execute("SHUTDOWN");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return this;
    }

    public JdbcTemplate jdbc() {
        return new JdbcTemplate(new DriverManagerDataSource(url, user, password));
    }

    private static TestDatabase postgres() {
        String name = "webhook_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://" + PG_SERVER + "/postgres", PG_USER,
                PG_PASSWORD); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            String why = "PostgreSQL at " + PG_SERVER + " is not reachable (" + e.getMessage() + ")";
            if (postgresRequired()) {
                throw new IllegalStateException(why + "; webhook.test.postgres=required", e);
            }
            Assumptions.abort(why + ": PostgreSQL tests skipped");
        }
        DROP_AT_EXIT.add(name);
        return new TestDatabase("jdbc:postgresql://" + PG_SERVER + "/" + name, PG_USER, PG_PASSWORD);
    }

    /** Null when PostgreSQL answers, else why not. */
    static String whyPostgresIsUnreachable() {
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://" + PG_SERVER + "/postgres", PG_USER,
                PG_PASSWORD)) {
            return null;
        } catch (SQLException e) {
            return "PostgreSQL at " + PG_SERVER + " is not reachable (" + e.getMessage() + ")";
        }
    }

    /** .ci/run sets WEBHOOK_TEST_POSTGRES=required: there, an unreachable PostgreSQL fails the build. */
    static boolean postgresRequired() {
        return "required".equals(System.getProperty("webhook.test.postgres"))
               || "required".equals(System.getenv("WEBHOOK_TEST_POSTGRES"));
    }

    private static final java.util.Set<String> DROP_AT_EXIT = createDropHook();

    /**
     * Drops this JVM's test databases when it exits, four at a time: one after another, the seventy-odd databases of a
     * test JVM took longer than the 30 s surefire allows a JVM to exit (it then kills it, and the rest stay for
     * .ci/run to clear).
     */
    private static java.util.Set<String> createDropHook() {
        java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long start = System.nanoTime();
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            java.util.Queue<String> failed = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (String name : names) {
                pool.execute(() -> {
                    try (Connection admin = DriverManager.getConnection("jdbc:postgresql://" + PG_SERVER + "/postgres",
                            PG_USER, PG_PASSWORD); Statement statement = admin.createStatement()) {
                        statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                    } catch (SQLException e) {
                        failed.add(name + " (" + e.getMessage() + ")");
                    }
                });
            }
            pool.shutdown();
            try {
                pool.awaitTermination(25, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!failed.isEmpty()) {
                System.err.println("could not drop test databases " + failed);
            }
            if (!names.isEmpty()) {
                System.err.printf("dropped %d test databases in %.1f s%n", names.size(), (System.nanoTime() - start) / 1e9);
            }
        }, "drop-test-databases"));
        return names;
    }
}
