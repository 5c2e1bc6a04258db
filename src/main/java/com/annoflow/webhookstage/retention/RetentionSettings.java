package com.annoflow.webhookstage.retention;

import java.time.Duration;

/**
 * How long delivery-log and transition rows are kept, how often the purge runs, how many rows per statement, and how
 * long a file may sit in a {@code complete} stage before it is removed with everything kept about it ({@code null}:
 * never, the default).
 */
public record RetentionSettings(Duration keep, Duration interval, int batchSize, Duration completeFilesAfter) {

    public boolean removesCompleteFiles() {
        return completeFilesAfter != null;
    }
}
