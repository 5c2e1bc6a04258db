package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.annoflow.webhookstage.queue.camel.WakeableScheduler;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Files the bundle itself makes due are claimed at once, not at the next poll, on HSQLDB as on PostgreSQL: with the
 * poll a minute away and PostgreSQL's notifications off, a file assigned through the API, and a file the router moves
 * on into a second webhook stage, are each sent within seconds (issue 19, instant pick-up on the embedded database).
 */
class InstantPickUpTest {

    private static final Duration WITHIN = Duration.ofSeconds(10);

    private final Receiver receiver = new Receiver();
    @RegisterExtension
    final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.poll-interval", "60000")
            .with("webhook.notifications.enabled", "false");

    @BeforeEach
    void theFirstPollHasRun() {
        // the scheduler polls once right after the start; after it, the next poll is a minute away
        WakeableScheduler scheduler = bundle.context().getRegistry().lookupByNameAndType("claimScheduler",
                WakeableScheduler.class);
        await().atMost(WITHIN).until(() -> scheduler.polls() >= 1);
    }

    @Test
    void aFileAssignedThroughTheApiIsSentAtOnce() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));

        assertThat(bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id)).statusCode()).isEqualTo(200);

        await().atMost(WITHIN).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id)));
    }

    @Test
    void aFileTheRouterMovesIntoAnotherWebhookStageIsSentThereAtOnce() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));

        bundle.post("/api/assignments", TestFiles.assignment("chain", "first", id));

        await().atMost(WITHIN).until(() -> "chain/complete ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(receiver.requestsFor(id)).extracting(r -> r.getUrl()).containsExactly("/chain/first", "/chain/second");
    }
}
