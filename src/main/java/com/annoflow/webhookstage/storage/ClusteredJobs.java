package com.annoflow.webhookstage.storage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * On PostgreSQL the Quartz jobs (lease recovery, queue summary) use a clustered JDBC job store in the bundle's own
 * database and pool, so with several instances each job fires on one instance at a time. HSQLDB keeps Quartz's
 * in-memory store: one instance per file database anyway.
 */
public final class ClusteredJobs {

    private ClusteredJobs() {
    }

    public static void configure(CamelContext context, Storage storage, String instanceId) {
        // a JVM-wide registry: the name is unique per bundle so several bundles in one JVM never share a pool
        String dataSource = "webhook-" + instanceId;
        DBConnectionManager.getInstance().addConnectionProvider(dataSource, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return storage.dataSource().getConnection();
            }

            @Override
            public void shutdown() {
                // the pool belongs to Storage, which closes it
            }

            @Override
            public void initialize() {
            }
        });
        Properties quartz = new Properties();
        quartz.setProperty("org.quartz.scheduler.instanceName", "webhook-stage");
        quartz.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        quartz.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        quartz.setProperty("org.quartz.threadPool.threadCount", "2");
        quartz.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        quartz.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        quartz.setProperty("org.quartz.jobStore.dataSource", dataSource);
        quartz.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        quartz.setProperty("org.quartz.jobStore.isClustered", "true");
        quartz.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        quartz.setProperty("org.quartz.jobStore.misfireThreshold", "10000");
        QuartzComponent component = context.getComponent("quartz", QuartzComponent.class);
        component.setProperties(quartz);
        component.setPrefixInstanceName(false);
    }
}
