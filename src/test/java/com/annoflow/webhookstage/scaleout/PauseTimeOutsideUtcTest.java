package com.annoflow.webhookstage.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * A bundle on a machine whose default time zone is not UTC (Asia/Kolkata, +05:30) shows when a stage was paused as the
 * instant it was: the pause used to be read through the JVM's zone and labelled UTC, five and a half hours off.
 */
class PauseTimeOutsideUtcTest {

    @Test
    void aStagePausedOnAMachineOutsideUtcShowsTheTrueTimeOfItsPause() {
        try (Receiver receiver = new Receiver().start();
                BundleProcess bundle = BundleProcess.forDeliveryTests("kolkata", TestDatabase.fresh(), receiver.baseUrl())
                        .with("user.timezone", "Asia/Kolkata").start()) {
            Api.awaitUp(bundle);
            Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

            Api.post(bundle, "/api/workflows/flow/stages/send/pause", "{\"reason\": \"time zone check\"}");

            Instant pausedAt = Instant.parse(Api.get(bundle, "/api/workflows/flow/stages/send/health").path("paused_at").asText());
            assertThat(pausedAt).isBetween(before.minusSeconds(5), Instant.now().plusSeconds(5));
        }
    }
}
