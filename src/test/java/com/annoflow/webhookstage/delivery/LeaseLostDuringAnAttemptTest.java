package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * Another instance took the file's lease while its attempt was out (the lease expired and was recovered): the attempt
 * that came back delivered moves nothing, and its row is written to the delivery log once.
 */
class LeaseLostDuringAnAttemptTest {

    @Test
    void aDeliveredAttemptWhoseLeaseWasTakenMovesNothingAndIsLoggedOnce() {
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).start()) {
            receiver.wiremock().stubFor(post(urlPathEqualTo("/send"))
                    .willReturn(aResponse().withStatus(200).withBody("{}").withFixedDelay(1500)));
            String id = TestFiles.newId();
            bundle.post("/api/files", TestFiles.registration(id));
            bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
            await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.requestsFor(id).isEmpty());

            bundle.jdbc().update("UPDATE assignment SET lease_owner = 'another-instance' WHERE item_id = ?", id);

            await().atMost(Duration.ofSeconds(10)).until(() -> !bundle.attempts(id).isEmpty());
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> bundle.attempts(id).size() == 1);
            assertThat(bundle.attempts(id).get(0)).containsEntry("OUTCOME", "DELIVERED");
            assertThat(bundle.jdbc().queryForObject("SELECT lease_owner FROM assignment WHERE item_id = ?", String.class, id))
                    .as("the file is the other instance's now").isEqualTo("another-instance");
            assertThat(bundle.stageOf(id)).isEqualTo("flow/send SENDING");
        }
    }
}
