package com.annoflow.webhookstage.operations;

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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code webhook_deliveries_total} counts a visit once its end has committed (group commit), not when the receiver
 * answered: whoever waits for the metric and then looks at the file, or assigns it again, finds it in its next stage.
 * The benchmark's slow-neighbour scenario did exactly that and got a 409 ("being delivered right now") while the metric
 * ran ahead of the commit. The gathering is made a second long here so that the gap, if any, cannot be missed.
 */
class AVisitCountedInTheMetricsHasEndedInTheDatabaseTest {

    private static final String DELIVERED = "outcome=\"DELIVERED\",stage=\"send\",workflow=\"flow\"";

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("webhook.group-commit.delay", "1000");

    @Test
    void aFileCountedAsDeliveredIsInItsNextStageAndCanBeAssignedAgainAtOnce() {
        receiver.wiremock().stubFor(post(urlPathEqualTo("/send")).willReturn(aResponse().withStatus(200)));
        double before = bundle.metric("webhook_deliveries_total", DELIVERED);
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> bundle.metric("webhook_deliveries_total", DELIVERED) >= before + 1);

        assertThat(bundle.stageOf(id)).isEqualTo("flow/annotate ASSIGNED");
        assertThat(bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id)).statusCode())
                .as("assigned again right after the metric counted it").isEqualTo(200);
        assertThat(bundle.metric("webhook_deliveries_total", DELIVERED)).isEqualTo(before + 1);
    }
}
