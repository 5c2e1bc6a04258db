package com.annoflow.webhookstage.endpointhealth;

import java.time.Duration;

/** When a stage stops sending: failure rate (percent) of the attempts in a sliding window, and how often to probe. */
public record EndpointHealthSettings(boolean enabled, int failureRatePercent, Duration window, int minimumAttempts,
        int consecutiveFailures, Duration probeInterval) {
}
