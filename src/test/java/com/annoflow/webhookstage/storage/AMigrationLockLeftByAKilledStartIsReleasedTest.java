package com.annoflow.webhookstage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.HsqldbOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * A process killed during its migration leaves Liquibase's lock held in the database. The embedded database is open in
 * one process at a time, so the next start releases it and says so, instead of waiting five minutes and failing.
 */
@HsqldbOnly
class AMigrationLockLeftByAKilledStartIsReleasedTest {

    @Test
    void theNextStartOnTheEmbeddedDatabaseReleasesTheLockAndSaysWhoHeldIt() {
        TestDatabase database = TestDatabase.embeddedFile();
        Storage killed = new Storage(database.url(), database.user(), database.password(), 1);
        killed.migrate();
        killed.jdbc().update("UPDATE DATABASECHANGELOGLOCK SET LOCKED = TRUE, LOCKGRANTED = CURRENT_TIMESTAMP,"
                             + " LOCKEDBY = 'killed-host (10.0.0.9)' WHERE ID = 1");
        killed.stop();

        try (CapturedLogs logs = new CapturedLogs();
                Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            assertThat(logs.lines()).anySatisfy(line -> assertThat(line)
                    .contains("migration lock was still held by killed-host (10.0.0.9)").contains("releases the lock"));
            assertThat(bundle.jdbc().queryForObject("SELECT LOCKED FROM DATABASECHANGELOGLOCK WHERE ID = 1", Boolean.class))
                    .isFalse();
            assertThat(bundle.get("/api/workflows").statusCode()).isEqualTo(200);
        }
    }
}
