package com.annoflow.webhookstage.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What receivers rely on: the payload validates against {@code docs/payload-darwin-v2.schema.json} and equals the golden examples
 * in {@code src/test/resources/golden/} (the README shows one of them).
 */
class PayloadContractTest {

    private static final String ITEM_ID = "01920b88-51e0-ce68-bf91-a1bab42246e0";

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);
    private static List<LoggedRequest> requests;

    @BeforeAll
    static void deliverOneFileThroughBothKindsOfStage() {
        bundle.post("/api/files", "{\"files\": [" + TestFiles.file(ITEM_ID, "image_1.jpg", "[" + TestFiles.carAnnotation()
                                  + ", {\"id\": \"1b0b6a5e-0a3c-4c1e-9d4e-2f8e0c7d1a22\", \"name\": \"daylight\","
                                  + " \"slot_names\": [\"0\"], \"tag\": {}}]") + "]}");
        bundle.post("/api/assignments", TestFiles.assignment("contract", "metadata-only", ITEM_ID));
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requestsFor(ITEM_ID).size() == 2);
        requests = receiver.requestsFor(ITEM_ID);
    }

    @Test
    void theMetadataOnlyPayloadValidatesAgainstTheSchemaAndMatchesItsGoldenExample() throws IOException {
        String body = requests.get(0).getBodyAsString();
        assertThat(PayloadSchema.problems(body)).isEmpty();
        assertThat(PayloadSchema.read(body).has("annotations")).isFalse();
        assertThat(PayloadSchema.withoutDeliveryId(body)).isEqualTo(PayloadSchema.golden("metadata-only.json", body));
    }

    @Test
    void theWithAnnotationsPayloadValidatesAgainstTheSchemaAndMatchesItsGoldenExample() throws IOException {
        String body = requests.get(1).getBodyAsString();
        assertThat(PayloadSchema.problems(body)).isEmpty();
        assertThat(PayloadSchema.withoutDeliveryId(body)).isEqualTo(PayloadSchema.golden("with-annotations.json", body));
    }

    @Test
    void theDeliveryIdInTheBodyIsTheWebhookIdHeader() {
        for (LoggedRequest request : requests) {
            assertThat(PayloadSchema.read(request.getBodyAsString()).get("delivery_id").asText())
                    .isEqualTo(request.getHeader("webhook-id"));
        }
    }

    @Test
    void theSchemaRejectsAPayloadWithoutItsItem() {
        ObjectNode broken = (ObjectNode) PayloadSchema.read(requests.get(0).getBodyAsString());
        broken.remove("item");
        assertThat(PayloadSchema.problems(broken.toString())).isNotEmpty();
    }
}
