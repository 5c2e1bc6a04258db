package com.annoflow.webhookstage.scaleout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit, crashed between the receiver's answer and the commit of the visit's group: the API never showed the
 * file moved, and after a SIGKILL and a restart the file is sent again with the same delivery id (at-least-once),
 * its lost attempt still counted, and it moves on exactly once. On both databases.
 */
class ADeliveryWhoseMoveWasNotCommittedIsSentAgainAfterAKillTest {

    private final Receiver receiver = new Receiver().start();
    private final TestDatabase database = TestDatabase.durable();
    private BundleProcess bundle;

    @AfterEach
    void stop() {
        if (bundle != null) {
            bundle.close();
        }
        receiver.close();
    }

    @Test
    void aFileDeliveredButNotYetMovedWhenTheBundleIsKilledIsDeliveredAgainWithTheSameDeliveryIdAndMovesOnOnce() {
        // the longest gathering there is: the kill lands between the answer and the group's commit
        bundle = started("before-kill", "1000");
        String id = Api.registerAndAssign(bundle, "flow", "send");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> sent(id).size() == 1);
        JsonNode shown = Api.get(bundle, "/api/files/" + id);
        bundle.kill();
        assertThat(shown.path("stage").asText() + " " + shown.path("status").asText())
                .as("answered, but its group not committed: the API shows it still being sent").isEqualTo("send SENDING");

        bundle = started("after-kill", "5");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> "annotate".equals(Api.get(bundle, "/api/files/" + id).path("stage").asText()));

        List<LoggedRequest> sent = sent(id);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1).getHeader("webhook-id")).isEqualTo(sent.get(0).getHeader("webhook-id"));
        JsonNode file = Api.get(bundle, "/api/files/" + id);
        assertThat(file.path("history").findValuesAsText("reason")).containsExactly("ASSIGNED", "DELIVERED");
        JsonNode attempts = Api.get(bundle, "/api/files/" + id + "/deliveries").path("attempts");
        assertThat(attempts.findValuesAsText("attempt")).as("the killed attempt's row was not committed; it still counts")
                .containsExactly("2");
        assertThat(attempts.findValuesAsText("outcome")).containsExactly("DELIVERED");
    }

    private BundleProcess started(String name, String groupCommitDelay) {
        BundleProcess next = BundleProcess.forDeliveryTests(name, database, receiver.baseUrl())
                .with("webhook.group-commit.delay", groupCommitDelay)
                .with("webhook.lease-duration", "2s")
                .with("webhook.lease-recovery-interval", "500ms")
                .with("webhook.timeout", "1s")
                .start();
        Api.awaitUp(next);
        return next;
    }

    private List<LoggedRequest> sent(String itemId) {
        return receiver.requestsFor(itemId).stream().filter(r -> r.getUrl().equals("/send")).toList();
    }
}
