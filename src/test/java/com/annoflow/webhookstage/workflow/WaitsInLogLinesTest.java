package com.annoflow.webhookstage.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** How a wait reads in "next attempt in …" and the endpoint-health lines: rounded to what a person needs, never cut. */
class WaitsInLogLinesTest {

    @Test
    void aJitteredWaitOfAFewSecondsKeepsItsTenths() {
        // a 2 s wait jittered to 1,790 ms once read "1s"
        assertThat(RetrySchedule.roughly(Duration.ofMillis(1_790))).isEqualTo("1.8s");
        assertThat(RetrySchedule.roughly(Duration.ofMillis(2_000))).isEqualTo("2s");
        assertThat(RetrySchedule.roughly(Duration.ofMillis(4_960))).isEqualTo("5s");
        assertThat(RetrySchedule.roughly(Duration.ofMillis(450))).isEqualTo("450ms");
    }

    @Test
    void longerWaitsAreRoundedToTheNearestSecondOrMinute() {
        assertThat(RetrySchedule.roughly(Duration.ofMillis(9_960))).isEqualTo("10s");
        assertThat(RetrySchedule.roughly(Duration.ofMillis(59_600))).isEqualTo("1m");
        assertThat(RetrySchedule.roughly(Duration.ofMillis(298_700))).isEqualTo("4m 59s");
        assertThat(RetrySchedule.roughly(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(RetrySchedule.roughly(Duration.ofSeconds(2 * 3600 + 179))).isEqualTo("2h 3m");
        assertThat(RetrySchedule.roughly(Duration.ofSeconds(3 * 3600 - 10))).isEqualTo("3h");
    }
}
