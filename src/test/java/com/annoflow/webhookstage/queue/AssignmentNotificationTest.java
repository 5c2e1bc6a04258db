package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

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

    /** The scheduler's first poll runs at start-up; after it, only a notification (or 60 s) triggers the next. */
    private static void awaitFirstPollDone(BundleUnderTest bundle) {
        String warmUp = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(warmUp));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", warmUp));
        await().atMost(Duration.ofSeconds(10)).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(warmUp)));
    }
}
