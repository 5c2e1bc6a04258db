package com.annoflow.webhookstage.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Restarts on one HSQLDB file database, as the embedded default runs: the workflow sync is idempotent, edits update
 * stages in place, files keep their place, and what cannot be synced safely stops start-up with a clear message.
 */
class WorkflowSyncTest {

    private static Receiver receiver;
    private static TestDatabase database;

    @BeforeAll
    static void start() {
        receiver = new Receiver().start();
        database = TestDatabase.durable();
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    @Test
    void restartsAndEditsNeverDuplicateStagesAndFilesKeepTheirPlace() {
        String id = TestFiles.newId();
        Map<String, Object> before;
        try (BundleUnderTest first = bundle("sync-v1.yaml").start()) {
            first.post("/api/files", TestFiles.registration(id));
            first.post("/api/assignments", TestFiles.assignment("sync", "annotate", id));
            before = stageIds(first);
        }
        try (BundleUnderTest same = bundle("sync-v1.yaml").start()) {
            assertThat(stageIds(same)).isEqualTo(before);
            assertThat(same.stageOf(id)).isEqualTo("sync/annotate ASSIGNED");
        }
        try (BundleUnderTest edited = bundle("sync-v2.yaml").start()) {
            Map<String, Object> after = stageIds(edited);
            assertThat(after).containsAllEntriesOf(before).containsKey("REVIEW").hasSize(before.size() + 1);
            assertThat(edited.stageOf(id)).isEqualTo("sync/annotate ASSIGNED");
            assertThat(edited.jdbc().queryForObject("SELECT url FROM stage WHERE name = 'hook'", String.class)).endsWith("/v2");

            // the queue survived three restarts: the file still moves on when assigned to the webhook
            edited.post("/api/assignments", TestFiles.assignment("sync", "hook", id));
            await().atMost(Duration.ofSeconds(20)).until(() -> "sync/annotate ASSIGNED".equals(edited.stageOf(id))
                                                              && !receiver.requestsFor(id).isEmpty());
            assertThat(receiver.requestsFor(id)).singleElement().satisfies(r -> assertThat(r.getUrl()).isEqualTo("/v2"));
        }
        assertThatThrownBy(() -> bundle("sync-v3.yaml").start()).rootCause()
                .hasMessageContaining("stage 'sync/annotate' was removed from the file but still holds 1 file(s)");
    }

    @Test
    void anInvalidWorkflowDefinitionStopsStartUpWithTheFieldNamed() {
        assertThatThrownBy(() -> new BundleUnderTest("src/test/resources/workflows/invalid.yaml").start()).rootCause()
                .isInstanceOf(WorkflowDefinitionException.class)
                .hasMessageContaining("workflow 'broken', stage 'hook': field 'url' is not a valid URL (Illegal character in path at character 4); write an absolute http(s) URL");
    }

    @Test
    void anInvalidSettingStopsStartUpWithThePropertyNamed() {
        assertThatThrownBy(() -> new BundleUnderTest("src/test/resources/workflows/sync-v1.yaml")
                .with("test.receiver", receiver.baseUrl()).with("webhook.claim-batch-size", "lots").start()).rootCause()
                .hasMessageContaining("webhook.claim-batch-size=lots: must be a whole number");
    }

    private static BundleUnderTest bundle(String workflow) {
        return new BundleUnderTest("src/test/resources/workflows/" + workflow, database).with("test.receiver", receiver.baseUrl());
    }

    private static Map<String, Object> stageIds(BundleUnderTest bundle) {
        Map<String, Object> ids = new java.util.TreeMap<>();
        List<Map<String, Object>> rows = bundle.jdbc().queryForList("SELECT name, id FROM stage WHERE retired = FALSE");
        rows.forEach(r -> ids.put(((String) r.get("NAME")).toUpperCase(), r.get("ID")));
        return ids;
    }
}
