package com.annoflow.webhookstage.retention;

import java.time.Duration;

/** How long delivery-log and transition rows are kept, how often the purge runs, and how many rows per statement. */
public record RetentionSettings(Duration keep, Duration interval, int batchSize) {
}
