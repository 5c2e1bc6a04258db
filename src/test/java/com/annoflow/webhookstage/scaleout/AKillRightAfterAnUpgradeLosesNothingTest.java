package com.annoflow.webhookstage.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.support.BundleProcess;
import com.annoflow.webhookstage.support.EarlierSchema;
import com.annoflow.webhookstage.support.HsqldbOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first start of a new version on the embedded database of an earlier one migrates it, and until HSQLDB's next
 * checkpoint the migration lives in HSQLDB's log. A SIGKILL then must lose nothing: HSQLDB replays the log at the next
 * start, and a statement it cannot replay ends the replay there. The first form of changeset 18 (ALTER COLUMN ... SET
 * DATA TYPE on annotations that exist) was such a statement: after a kill the database came back without the
 * migration's end, with Liquibase's lock still held, and without the files registered after it, and the next start
 * waited five minutes for the lock and failed. Found from outside (2026-12-07), by killing a bundle right after
 * registering files on a freshly upgraded data/.
 */
@HsqldbOnly
class AKillRightAfterAnUpgradeLosesNothingTest {

    @TempDir
    Path scratch;

    @Test
    void filesRegisteredBeforeAndAfterTheUpgradeAreThereWithTheirAnnotationsAfterASigkill() throws Exception {
        TestDatabase database = TestDatabase.embeddedFile(); // as mvn camel:run opens data/
        Storage earlier = new Storage(database.url(), database.user(), database.password(), 1);
        EarlierSchema.migrateWithout(earlier, "18-hsqldb-annotations-as-cached-text", scratch);
        String before = TestFiles.newId();
        new FileCatalog(earlier, Clock.systemUTC()).register(List.of(new RegisteredFile(TestFiles.item(before),
                List.of(TestFiles.carAnnotation()))));
        earlier.stop();

        try (Receiver receiver = new Receiver().start()) {
            String after;
            try (BundleProcess upgraded = BundleProcess.forDeliveryTests("upgraded", database, receiver.baseUrl()).start()) {
                Api.awaitUp(upgraded);
                after = Api.registerAndAssign(upgraded, "flow", "annotate");
                upgraded.kill();
            }
            try (BundleProcess next = BundleProcess.forDeliveryTests("after-the-kill", database, receiver.baseUrl()).start()) {
                Api.awaitUp(next);
                assertThat(Api.get(next, "/api/files/" + after).path("stage").asText()).isEqualTo("annotate");
                for (String id : List.of(before, after)) {
                    JsonNode preview = Api.get(next, "/api/workflows/contract/stages/with-annotations/preview?file_id=" + id);
                    JsonNode sent = new ObjectMapper().readTree(preview.path("body").asText()).path("annotations");
                    assertThat(sent).as("annotations of %s", id).hasSize(1);
                    assertThat(sent.get(0).path("bounding_box").path("w").asInt()).isEqualTo(251);
                }
            }
        }
    }
}
