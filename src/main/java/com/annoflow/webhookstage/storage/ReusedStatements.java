package com.annoflow.webhookstage.storage;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

import org.apache.commons.dbcp2.DelegatingPreparedStatement;
import org.apache.commons.dbcp2.PStmtKey;
import org.apache.commons.dbcp2.PoolingConnection;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;

/**
 * The HSQLDB driver's connections, each keeping its prepared statements open for reuse (Apache Commons DBCP's
 * {@link PoolingConnection}), under the bundle's HikariCP pool. The HSQLDB driver has no statement cache of its own:
 * every {@code prepareStatement} is a round trip to a server (and a lookup in the session's compiled statements), and
 * every {@code close} another, so a statement run once cost three round trips instead of one (measured on an idle
 * machine: 180 µs against 45 µs a query). pgjdbc keeps its own per-connection cache and is not wrapped. A statement
 * closed by Spring's {@code JdbcTemplate} goes back to its connection's pool, its parameters and batch cleared; at most
 * {@value #PER_CONNECTION} are kept per connection, the least recently used closed first (SQL with {@code IN} lists of
 * varying length makes many distinct statements).
 */
final class ReusedStatements implements DataSource {

    static final int PER_CONNECTION = 100;

    private final DataSource driver;

    ReusedStatements(DataSource driver) {
        this.driver = driver;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return reusingStatements(driver.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return reusingStatements(driver.getConnection(username, password));
    }

    private static Connection reusingStatements(Connection physical) {
        PoolingConnection connection = new PoolingConnection(physical);
        // the settings DBCP's own BasicDataSource gives a connection's statement pool (poolPreparedStatements=true):
        // never wait for a statement, one idle statement per SQL, the oldest closed when the connection holds too many
        GenericKeyedObjectPoolConfig<DelegatingPreparedStatement> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(-1);
        config.setMaxIdlePerKey(1);
        config.setMaxTotal(PER_CONNECTION);
        config.setBlockWhenExhausted(false);
        config.setJmxEnabled(false);
        connection.setStatementPool(new GenericKeyedObjectPool<PStmtKey, DelegatingPreparedStatement>(connection, config));
        return connection;
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return driver.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        driver.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        driver.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return driver.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return driver.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : driver.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || driver.isWrapperFor(iface);
    }
}
