package com.annoflow.webhookstage.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

/** Retry-After as seconds or as an HTTP date, never beyond the configured cap, ignored when unreadable. */
class RetryAfterTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);
    private final Attempts attempts = new Attempts(null, null, clock, "test", 0, Duration.ofSeconds(60), 1000, null, null,
            new Redaction(stage -> java.util.List.of()), null, com.annoflow.webhookstage.tracing.VisitTracing.OFF);

    @Test
    void secondsAreTakenAsTheDelay() {
        assertThat(attempts.retryAfterMillis("7")).isEqualTo(7000);
    }

    @Test
    void anHttpDateIsTakenAsTheTimeToWaitUntil() {
        assertThat(attempts.retryAfterMillis("Thu, 26 Nov 2026 12:00:30 GMT")).isEqualTo(30_000);
    }

    @Test
    void aLongerWaitIsCappedSoTheFileKeepsItsLease() {
        assertThat(attempts.retryAfterMillis("86400")).isEqualTo(60_000);
    }

    @Test
    void aDateInThePastMeansRetryNow() {
        assertThat(attempts.retryAfterMillis("Thu, 26 Nov 2026 11:00:00 GMT")).isZero();
    }

    @Test
    void anUnreadableValueLeavesTheBackOffInCharge() {
        assertThat(attempts.retryAfterMillis("soon")).isNull();
        assertThat(attempts.retryAfterMillis(" ")).isNull();
        assertThat(attempts.retryAfterMillis(null)).isNull();
    }
}
