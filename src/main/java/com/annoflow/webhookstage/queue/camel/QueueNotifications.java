package com.annoflow.webhookstage.queue.camel;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.apache.camel.support.service.ServiceSupport;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL only: listens for the {@code webhook_queued} notification that a trigger sends whenever an assignment
 * becomes QUEUED (by this bundle or any other writer), and wakes the claim at once. Polling stays the fallback: a lost
 * connection only costs latency, and it reconnects by itself.
 */
public final class QueueNotifications extends ServiceSupport {

    public static final String CHANNEL = "webhook_queued";
    private static final Logger LOG = LoggerFactory.getLogger("webhook.queue");

    private final String url;
    private final String user;
    private final String password;
    private final WakeableScheduler scheduler;
    private volatile Thread thread;

    public QueueNotifications(String url, String user, String password, WakeableScheduler scheduler) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.scheduler = scheduler;
    }

    @Override
    protected void doStart() {
        Thread listener = new Thread(this::listen, "webhook-queue-notifications");
        listener.setDaemon(true);
        thread = listener;
        listener.start();
    }

    private void listen() {
        long retryDelay = 1000;
        while (thread == Thread.currentThread()) {
            try (Connection connection = connect()) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                LOG.info("Listening for assignments on PostgreSQL channel {}", CHANNEL);
                retryDelay = 1000;
                // wake once after (re)connecting: anything queued while not listening is claimed now
                scheduler.wake();
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (thread == Thread.currentThread()) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications != null && notifications.length > 0) {
                        scheduler.wake();
                    }
                }
            } catch (SQLException e) {
                if (thread != Thread.currentThread()) {
                    return;
                }
                LOG.warn("Assignment notifications interrupted ({}); polling continues, reconnecting in {} ms",
                        e.getMessage(), retryDelay);
                try {
                    Thread.sleep(retryDelay);
                } catch (InterruptedException interrupted) {
                    return;
                }
                retryDelay = Math.min(retryDelay * 2, 30_000);
            }
        }
    }

    @Override
    protected void doStop() {
        Thread listener = thread;
        thread = null;
        if (listener != null) {
            listener.interrupt();
        }
    }

    /** The driver directly, not DriverManager, which does not see a driver in a jar `camel run` downloaded. */
    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password == null ? "" : password);
        return new Driver().connect(url, properties);
    }
}
