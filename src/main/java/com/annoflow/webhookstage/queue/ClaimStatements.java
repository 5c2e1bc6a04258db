package com.annoflow.webhookstage.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.StageConfig;

/**
 * The claim of one stage's due files in one database's SQL, the only statement of the queue that differs between
 * them: the longest-due first, each with this instance's lease and the attempt it starts counted.
 */
sealed interface ClaimStatements permits PostgresClaims, PortableClaims {

    List<Visit> claim(StageConfig stage, int limit, Instant now);

    static ClaimStatements forDatabase(Storage storage, String instanceId, Duration leaseDuration) {
        return storage.isPostgres() ? new PostgresClaims(storage, instanceId, leaseDuration)
                : new PortableClaims(storage, instanceId, leaseDuration);
    }
}
