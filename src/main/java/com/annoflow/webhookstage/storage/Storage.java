package com.annoflow.webhookstage.storage;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.lockservice.DatabaseChangeLogLock;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.apache.camel.support.service.ServiceSupport;
import org.hsqldb.jdbc.JDBCDataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The bundle's one connection pool, its schema migration, and the JDBC helpers every repository shares.
 * Registered as a Camel service so the pool closes with the context (and only one pool ever exists).
 */
public final class Storage extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Storage.class);

    /** The name the bundle's PostgreSQL connections show in pg_stat_activity.application_name. */
    public static final String APPLICATION_NAME = "webhook-stage";
    private static final long MIGRATION_LOCK = 0x5745424D49475241L;

    private final HikariDataSource dataSource;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final boolean postgres;
    private final String url;

    public Storage(String url, String user, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("webhook-stage");
        // the driver's own DataSource, not a URL looked up through DriverManager: under `camel run` the driver sits in
        // a downloaded jar that DriverManager's caller check does not see ("No suitable driver")
        config.setDataSource(driverDataSource(url));
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setConnectionTimeout(10_000);
        // fail fast instead of waiting for the database at start-up only; the health check reports outages later
        config.setInitializationFailTimeout(10_000);
        this.dataSource = new HikariDataSource(config);
        this.jdbc = new JdbcTemplate(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.postgres = url.startsWith("jdbc:postgresql:");
        this.url = url;
    }

    private static DataSource driverDataSource(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            PGSimpleDataSource postgres = new PGSimpleDataSource();
            postgres.setUrl(url);
            if (!url.contains("ApplicationName=")) {
                // operators (and the benchmark's per-connection profile) tell the bundle's connections apart in
                // pg_stat_activity; a URL's own ApplicationName wins
                postgres.setApplicationName(APPLICATION_NAME);
            }
            if (!url.contains("reWriteBatchedInserts=")) {
                // a group commit's batch of log and history rows goes to the server as one multi-row INSERT per table,
                // not one execution per row (the server's CPU per delivery, docs/benchmarks.md); a URL's own setting wins
                postgres.setReWriteBatchedInserts(true);
            }
            return postgres;
        }
        JDBCDataSource hsqldb = new JDBCDataSource();
        hsqldb.setUrl(url);
        return new ReusedStatements(hsqldb);
    }

    /**
     * Makes every commit reach the disk before it returns, on an HSQLDB file database. HSQLDB syncs its log every 500 ms
     * by default, so a SIGKILL undid the last half second of committed work: attempts made again under the same numbers,
     * files back in SENDING that the API had shown moved on. {@code hsqldb.write_delay=false} on the URL only takes
     * effect when a database is created, so an existing one (a {@code data/} directory from before) gets the setting
     * here, where it is stored with the database. An explicit {@code hsqldb.write_delay=true} on the URL is the
     * operator's choice and is kept, with a warning. PostgreSQL commits durably unless its server is told otherwise.
     */
    public void makeCommitsDurable() {
        if (!url.startsWith("jdbc:hsqldb:")) {
            return;
        }
        String delay = hsqldbProperty("hsqldb.write_delay");
        boolean delayed = !"false".equalsIgnoreCase(delay);
        boolean fileDatabase = url.startsWith("jdbc:hsqldb:file:");
        if (!delayed || !fileDatabase && !url.startsWith("jdbc:hsqldb:hsql")) {
            return; // durable already, or an in-memory database with nothing to lose to a crash
        }
        if (url.toLowerCase(Locale.ROOT).contains("hsqldb.write_delay=true")) {
            LOG.warn("webhook.db.url sets hsqldb.write_delay=true: HSQLDB syncs commits every 500 ms, so a crash can undo the"
                     + " last of them (attempts made again, moves forgotten); remove it to make every commit durable");
        } else if (fileDatabase) {
            jdbc.execute("SET FILES WRITE DELAY FALSE");
            LOG.info("HSQLDB database at {}: every commit is now synced to disk before it returns (was every 500 ms)",
                    url.substring("jdbc:hsqldb:file:".length()).split(";")[0]);
        } else {
            LOG.warn("The HSQLDB server behind webhook.db.url syncs commits every 500 ms, so a crash of the server can undo"
                     + " the last of them; run SET FILES WRITE DELAY FALSE on it to make every commit durable");
        }
    }

    private String hsqldbProperty(String name) {
        return jdbc.queryForObject("SELECT PROPERTY_VALUE FROM INFORMATION_SCHEMA.SYSTEM_PROPERTIES WHERE PROPERTY_NAME = ?",
                String.class, name);
    }

    /** Creates or upgrades the schema; the same changelog runs on HSQLDB and PostgreSQL. */
    public void migrate() {
        try (Connection connection = dataSource.getConnection()) {
            if (postgres) {
                // instances starting together would race to create Liquibase's own tables: migrate one at a time
                try (Statement lock = connection.createStatement()) {
                    lock.execute("SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
                }
            }
            try {
                Database database = DatabaseFactory.getInstance()
                        .findCorrectDatabaseImplementation(new JdbcConnection(connection));
                Liquibase liquibase = new Liquibase("db/changelog.xml", new ClassLoaderResourceAccessor(), database);
                releaseTheLockOfAMigrationThatDied(liquibase);
                liquibase.update("");
            } finally {
                if (postgres) {
                    try (Statement unlock = connection.createStatement()) {
                        unlock.execute("SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
                    }
                }
            }
        } catch (SQLException | LiquibaseException e) {
            throw new IllegalStateException("Database migration failed: " + e.getMessage(), e);
        }
    }

    /**
     * An embedded database is open in one process only (HSQLDB locks its files), so a Liquibase lock found at start-up
     * was left by a process killed during its migration: without this the start waited five minutes for it and failed.
     * A shared database (PostgreSQL, an HSQLDB server) keeps its lock: another instance may be migrating.
     */
    private void releaseTheLockOfAMigrationThatDied(Liquibase liquibase) throws LiquibaseException {
        if (!url.startsWith("jdbc:hsqldb:file:")) {
            return;
        }
        DatabaseChangeLogLock[] held = liquibase.listLocks();
        for (DatabaseChangeLogLock lock : held) {
            LOG.warn("The database's migration lock was still held by {} since {}: a process that stopped during its"
                     + " migration. This process holds the database's files alone, so it releases the lock; the"
                     + " migration's unfinished change sets run again", lock.getLockedBy(), lock.getLockGranted());
        }
        if (held.length > 0) {
            liquibase.forceReleaseLocks();
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public JdbcTemplate jdbc() {
        return jdbc;
    }

    public TransactionTemplate transactions() {
        return transactions;
    }

    /** SQL for the whole minutes since 1970 of a TIMESTAMP WITH TIME ZONE column, as a BIGINT, in this database's words. */
    public String epochMinute(String column) {
        return isPostgres() ? "CAST(FLOOR(EXTRACT(EPOCH FROM " + column + ") / 60) AS BIGINT)"
                : "CAST(FLOOR(UNIX_TIMESTAMP(" + column + ") / 60) AS BIGINT)";
    }

    public boolean isPostgres() {
        return postgres;
    }

    /**
     * The values of {@code ids} for which {@code sql} (a query with {@code IN (:ids)}) returns a row, asked 1,000 at a
     * time: one statement for 65,536 ids went past the JDBC drivers' parameter limit.
     */
    public List<String> inChunks(List<String> ids, String sql) {
        NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(jdbc);
        List<String> found = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += 1000) {
            found.addAll(named.queryForList(sql, new MapSqlParameterSource("ids",
                    ids.subList(from, Math.min(ids.size(), from + 1000))), String.class));
        }
        return found;
    }

    /** Timestamps are bound as UTC {@link OffsetDateTime}, which both drivers map to TIMESTAMP WITH TIME ZONE. */
    public static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    public static Instant instant(Object column) {
        if (column == null) {
            return null;
        }
        if (column instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (column instanceof Timestamp ts) {
            return ts.toInstant();
        }
        if (column instanceof ZonedDateTime zdt) {
            return zdt.toInstant();
        }
        throw new IllegalArgumentException("not a timestamp: " + column.getClass());
    }

    @Override
    protected void doStop() {
        dataSource.close();
    }
}
