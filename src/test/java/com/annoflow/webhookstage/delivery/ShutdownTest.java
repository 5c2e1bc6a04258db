package com.annoflow.webhookstage.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;

/** Stopping the bundle leaves a file waiting for its retry in the database, due when it was due. */
class ShutdownTest {

    @Test
    void aFileWaitingForItsRetryKeepsItsDueTimeAcrossARestartAndIsRetriedThenWithItsDeliveryId() {
        TestDatabase db = TestDatabase.durable();
        String id = TestFiles.newId();
        try (Receiver receiver = new Receiver().start()) {
            receiver.wiremock().stubFor(post(urlPathEqualTo("/send"))
                    .withRequestBody(matchingJsonPath("$.item.source_info.item_id", equalTo(id)))
                    .willReturn(aResponse().withStatus(503)));
            String deliveryId;
            Instant due;
            try (BundleUnderTest bundle = bundle(db, receiver).with("webhook.retry-schedule", "4s").start()) {
                bundle.post("/api/files", TestFiles.registration(id));
                bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));
                await().atMost(Duration.ofSeconds(20)).until(() -> "flow/send WAITING".equals(bundle.stageOf(id)));
                deliveryId = receiver.requestsFor(id).get(0).getHeader("webhook-id");
            }
            receiver.reset();

            Map<String, Object> row = db.jdbc().queryForMap("SELECT * FROM assignment WHERE item_id = ?", id);
            assertThat(row).containsEntry("STATUS", "WAITING").containsEntry("LEASE_OWNER", null)
                    .containsEntry("ATTEMPTS", 1).containsEntry("DELIVERY_ID", deliveryId);
            due = Storage.instant(row.get("DUE_AT"));

            try (BundleUnderTest resumed = bundle(db, receiver).with("webhook.retry-schedule", "4s").start()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> "flow/annotate ASSIGNED".equals(resumed.stageOf(id)));
                assertThat(receiver.requestsFor(id)).singleElement()
                        .satisfies(r -> assertThat(r.getHeader("webhook-id")).isEqualTo(deliveryId));
                assertThat(resumed.attempts(id)).extracting(a -> a.get("ATTEMPT")).containsExactly(1, 2);
                Instant received = receiver.requestsFor(id).get(0).getLoggedDate().toInstant();
                assertThat(received).as("the retry is not sent before its due time").isAfterOrEqualTo(due);
            }
        }
    }

    private static BundleUnderTest bundle(TestDatabase db, Receiver receiver) {
        return BundleUnderTest.forDeliveryTests(receiver, db);
    }
}
