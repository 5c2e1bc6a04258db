package com.annoflow.webhookstage.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * A stage held back by its max_concurrency gets its next files when its visits end, not at the next poll: with the
 * poll a minute away, 200 files go through a stage that may hold 3 visits at once within seconds. A first version set
 * the wake-up only when a claim found the stage already full, which the next claim never did: the stage sent one
 * batch per poll (MultiInstanceTest: 6 files a second per instance). A second one missed visits that ended while the
 * claim that filled the stage ran (the benchmark: 60 files a second); that race this test catches only by chance.
 */
class ClaimKeepsUpWithoutPollsTest {

    @Test
    void aStageAtItsMaxConcurrencyIsRefilledAsItsVisitsEndWithoutWaitingForAPoll() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.concurrency", "4")
                        .with("webhook.poll-interval", "60000").start()) {
            List<String> ids = new ArrayList<>();
            StringBuilder files = new StringBuilder("{\"files\": [");
            for (int i = 0; i < 200; i++) {
                String id = TestFiles.newId();
                ids.add(id);
                files.append(i == 0 ? "" : ",").append(TestFiles.file(id, "f" + i + ".jpg", "[]"));
            }
            assertThat(bundle.post("/api/files", files.append("]}").toString()).statusCode()).isEqualTo(201);
            assertThat(bundle.post("/api/assignments", TestFiles.assignment("flow", "send", ids.toArray(String[]::new)))
                    .statusCode()).isEqualTo(200);
            // the assignment through the API woke the first claim (InstantPickUpTest); the ends of visits wake the rest

            await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id -> "flow/annotate ASSIGNED"
                    .equals(bundle.stageOf(id))));
        }
    }
}
