package com.annoflow.webhookstage.operations;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import org.junit.jupiter.api.Test;

/** Retry settings are checked at start-up, and the ones that are gone say what replaced them. */
class RetrySettingsTest {

    @Test
    void aStartUpThatStillSetsTheOldBackOffStopsAndNamesTheRetrySchedule() {
        try (Receiver receiver = new Receiver().start()) {
            BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.backoff.initial-delay", "1000");
            assertThatThrownBy(bundle::start).hasStackTraceContaining("webhook.backoff.initial-delay is no longer used")
                    .hasStackTraceContaining("set webhook.retry-schedule");
            bundle.close();
        }
    }

    @Test
    void aRetryScheduleThatIsNotAListOfDurationsStopsStartUpWithTheProperty() {
        try (Receiver receiver = new Receiver().start()) {
            BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.retry-schedule", "5s, soon");
            assertThatThrownBy(bundle::start).hasStackTraceContaining("webhook.retry-schedule=5s, soon has 'soon', which is not a duration");
            bundle.close();
        }
    }

    @Test
    void aLeaseThatCannotCoverOneAttemptStopsStartUp() {
        try (Receiver receiver = new Receiver().start()) {
            BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).with("webhook.timeout", "10s")
                    .with("webhook.lease-duration", "5s");
            assertThatThrownBy(bundle::start).hasStackTraceContaining("webhook.lease-duration=5000ms: must be at least the request timeout");
            bundle.close();
        }
    }
}
