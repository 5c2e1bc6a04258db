package com.annoflow.webhookstage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

import com.annoflow.webhookstage.support.HsqldbOnly;
import org.apache.commons.dbcp2.DelegatingPreparedStatement;
import org.apache.commons.dbcp2.PoolingConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.ConnectionCallback;

/**
 * The HSQLDB driver has no statement cache, and a statement prepared and closed for every use cost two round trips
 * more than its execution on the HSQLDB server: each of the bundle's HSQLDB connections keeps its prepared
 * statements (storage/ReusedStatements), through the HikariCP pool, and hands them back clean.
 */
@HsqldbOnly
class HsqldbConnectionsReuseTheirStatementsTest {

    private Storage storage;

    @BeforeEach
    void start() {
        storage = new Storage("jdbc:hsqldb:mem:reuse-" + UUID.randomUUID(), "SA", "", 2);
        storage.jdbc().execute("CREATE TABLE note (id INT PRIMARY KEY, text VARCHAR(20))");
    }

    @AfterEach
    void stop() {
        storage.stop();
    }

    @Test
    void aStatementRunAgainOnTheSameConnectionIsTheDriversStatementPreparedTheFirstTime() {
        storage.jdbc().execute((ConnectionCallback<Void>) connection -> {
            Object first;
            try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM note WHERE id > ?")) {
                statement.setInt(1, 0);
                statement.executeQuery().close();
                first = driversStatement(statement);
            }
            try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM note WHERE id > ?")) {
                assertThat(driversStatement(statement)).isSameAs(first);
            }
            try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM note WHERE id < ?")) {
                assertThat(driversStatement(statement)).isNotSameAs(first);
            }
            return null;
        });
    }

    @Test
    void aStatementHandedBackWithABatchNotSentStartsEmptyForItsNextUser() {
        storage.jdbc().execute((ConnectionCallback<Void>) connection -> {
            String insert = "INSERT INTO note (id, text) VALUES (?, ?)";
            try (PreparedStatement statement = connection.prepareStatement(insert)) {
                statement.setInt(1, 1);
                statement.setString(2, "never sent");
                statement.addBatch();
            }
            try (PreparedStatement statement = connection.prepareStatement(insert)) {
                statement.setInt(1, 2);
                statement.setString(2, "sent");
                statement.addBatch();
                assertThat(statement.executeBatch()).containsExactly(1);
            }
            return null;
        });
        assertThat(storage.jdbc().queryForList("SELECT text FROM note ORDER BY id", String.class)).containsExactly("sent");
    }

    @Test
    void aConnectionKeepsAtMostAHundredStatementsAndStillPreparesEveryNewOne() {
        storage.jdbc().execute((ConnectionCallback<Void>) connection -> {
            // IN lists of every length make a new statement each: many more than a connection keeps
            for (int length = 1; length <= 250; length++) {
                String sql = "SELECT COUNT(*) FROM note WHERE id IN (" + "?, ".repeat(length - 1) + "?)";
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    for (int i = 1; i <= length; i++) {
                        statement.setInt(i, i);
                    }
                    try (ResultSet rows = statement.executeQuery()) {
                        assertThat(rows.next()).isTrue();
                    }
                }
            }
            assertThat(connection.unwrap(PoolingConnection.class).getStatementPool().getNumIdle())
                    .isBetween(1, ReusedStatements.PER_CONNECTION);
            return null;
        });
    }

    private static Object driversStatement(PreparedStatement statement) throws SQLException {
        return statement.unwrap(DelegatingPreparedStatement.class).getInnermostDelegate();
    }
}
