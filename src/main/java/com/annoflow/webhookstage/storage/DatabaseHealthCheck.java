package com.annoflow.webhookstage.storage;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness: the bundle is ready only while the database answers (a short query through the pool). */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final Storage storage;

    public DatabaseHealthCheck(Storage storage) {
        super("webhook", "database");
        this.storage = storage;
    }

    @Override
    public boolean isLiveness() {
        // a database outage makes the bundle not ready, not dead: restarting it would not help
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection connection = storage.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(5);
            statement.execute(storage.isPostgres() ? "SELECT 1" : "VALUES 1");
            builder.up();
        } catch (Exception e) {
            builder.detail("reason", "database unreachable: " + e.getClass().getSimpleName());
            builder.down();
        }
    }
}
