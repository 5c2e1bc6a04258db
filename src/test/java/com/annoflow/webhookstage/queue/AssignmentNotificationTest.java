package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.annoflow.webhookstage.queue.camel.QueueNotifications;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PostgresOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL wakes the claim the moment a file is queued; without notifications, polling still picks it up. The poll
 * interval is set far beyond the wait, so only the notification can explain a quick pick-up.
 */
@PostgresOnly
class AssignmentNotificationTest {


    @Test
    void aFileAssignedOnPostgresIsPickedUpWellWithinThePollingInterval() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
                        .with("webhook.poll-interval", "60000").start()) {
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            awaitFirstPollDone(bundle);

            bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
            await().atMost(Duration.ofSeconds(5)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        }
    }

    @Test
    void withNotificationsOffTheFileIsStillPickedUpByPolling() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
                        .with("webhook.notifications.enabled", "false").with("webhook.poll-interval", "2000").start()) {
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
            await().atMost(Duration.ofSeconds(15)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
        }
    }

    @Test
    void aFileParkedForALaterRetryNotifiesNobodyAndOneThatBecomesDueNowDoes() throws Exception {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).start()) {
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", id));
            long send = bundle.jdbc().queryForObject("SELECT id FROM stage WHERE workflow_name = 'flow' AND name = 'send'",
                    Long.class);
            try (java.sql.Connection listener = java.sql.DriverManager.getConnection(bundle.database().url(),
                    bundle.database().user(), bundle.database().password())) {
                listener.createStatement().execute("LISTEN " + QueueNotifications.CHANNEL);
                org.postgresql.PGConnection pg = listener.unwrap(org.postgresql.PGConnection.class);
                pg.getNotifications(200);

                // parked for a retry due in an hour (as retryPolicy.park writes it): nothing to wake anyone for
                bundle.jdbc().update("UPDATE assignment SET stage_id = ?, status = 'WAITING', attempts = 1,"
                                     + " due_at = now() + interval '1 hour' WHERE item_id = ?", send, id);
                assertThat(pg.getNotifications(1000)).as("notifications for a file parked for later").isNullOrEmpty();
                // nor for a retry due in under a second: the instance that parked it wakes itself then
                bundle.jdbc().update("UPDATE assignment SET due_at = now() + interval '900 milliseconds' WHERE item_id = ?", id);
                assertThat(pg.getNotifications(500)).as("notifications for a file due in 900 ms").isNullOrEmpty();

                // due now (retry now): every listening instance is told
                bundle.jdbc().update("UPDATE assignment SET due_at = now() WHERE item_id = ?", id);
                assertThat(pg.getNotifications(5000)).as("notifications for a file due now").isNotEmpty();
            }
        }
    }

    /** The scheduler's first poll runs at start-up; after it, only a notification (or 60 s) triggers the next. */
    private static void awaitFirstPollDone(BundleUnderTest bundle) {
        String warmUp = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(warmUp));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", warmUp));
        await().atMost(Duration.ofSeconds(10)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(warmUp)));
    }
}
