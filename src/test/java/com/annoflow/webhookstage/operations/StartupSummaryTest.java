package com.annoflow.webhookstage.operations;

import static org.assertj.core.api.Assertions.assertThat;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.Receiver;
import org.junit.jupiter.api.Test;

/** Start-up says where the API listens, as bound: Camel's own summary printed http://0.0.0.0 for a 127.0.0.1 socket. */
class StartupSummaryTest {

    @Test
    void startUpNamesTheAddressTheApiIsBoundToAndNoOther() {
        try (CapturedLogs logs = new CapturedLogs(org.apache.logging.log4j.Level.INFO); Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver).start()) {
            assertThat(logs.lines()).anySatisfy(line -> assertThat(line)
                    .contains("HTTP API at http://127.0.0.1:" + bundle.apiPort() + "/api"));
            assertThat(logs.lines()).noneSatisfy(line -> assertThat(line).contains("0.0.0.0"));
        }
    }
}
