package com.annoflow.webhookstage.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;

/**
 * The statements of the queue that differ between the databases: the claim of one stage's due files (the longest-due
 * first, each with this instance's lease and the attempt it starts counted), and the parks and moves that end a group
 * of visits (each fenced by its lease). Everything else is the same SQL on both.
 */
sealed interface QueueStatements permits PostgresStatements, PortableStatements {

    List<Visit> claim(StageConfig stage, int limit, Instant now);

    /**
     * Each file waits for its next attempt: status WAITING, due at its park's time, no lease. Runs in the caller's
     * transaction. @return for each park, whether this instance still held the file
     */
    boolean[] parkAll(List<AssignmentQueue.Park> parks, Instant now);

    /**
     * Each file goes to its move's target as a new visit there (attempts 0, no delivery id): QUEUED and due now in a
     * webhook stage, ASSIGNED elsewhere. Runs in the caller's transaction. @return for each move, whether this instance
     * still held the file
     */
    boolean[] moveAll(List<AssignmentQueue.Move> moves, Instant now);

    static QueueStatements forDatabase(Storage storage, String instanceId, Duration leaseDuration) {
        return storage.isPostgres() ? new PostgresStatements(storage, instanceId, leaseDuration)
                : new PortableStatements(storage, instanceId, leaseDuration);
    }
}
