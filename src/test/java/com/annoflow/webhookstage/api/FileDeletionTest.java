package com.annoflow.webhookstage.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.HoldingReceiver;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DELETE /api/files/{id}: a file leaves with everything kept about it, never while a visit is sending it. */
class FileDeletionTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Every table that holds rows of a file. */
    private static final List<String> TABLES = List.of("file", "file_slot", "slot_source_file", "annotation", "assignment",
            "delivery_attempt", "stage_transition", "stage_passed");

    private static final Receiver receiver = new Receiver();
    private static final HoldingReceiver holding = new HoldingReceiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver)
            .with("test.holding-receiver", holding.baseUrl())
            .with("test.held-timeout", "20s");

    @AfterAll
    static void closeTheHoldingReceiver() {
        holding.release();
        holding.close();
    }

    @Test
    void aDeliveredFileIsRemovedWithItsAnnotationsAttemptsAndHistory() {
        String id = TestFiles.newId();
        String other = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/files", TestFiles.registration(other));
        bundle.post("/api/assignments", TestFiles.assignment("flow", "send", id, other));
        await().atMost(WAIT).until(() -> "flow/annotate ASSIGNED".equals(bundle.stageOf(id))
                                         && "flow/annotate ASSIGNED".equals(bundle.stageOf(other)));
        bundle.jdbc().update("INSERT INTO stage_passed (item_id, stage_id) SELECT item_id, stage_id FROM assignment"
                             + " WHERE item_id = ?", id);
        assertThat(TABLES).allMatch(table -> rows(table, id) > 0);

        HttpResponse<String> answer = bundle.delete("/api/files/" + id, BundleUnderTest.ADMIN_KEY);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode removed = PayloadSchema.read(answer.body());
        assertThat(removed.get("deleted").asText()).isEqualTo(id);
        assertThat(removed.get("annotations").asInt()).isEqualTo(1);
        assertThat(removed.get("attempts").asInt()).isEqualTo(1);
        assertThat(removed.get("transitions").asInt()).isEqualTo(2); // assigned, delivered
        assertThat(TABLES).allMatch(table -> rows(table, id) == 0);
        assertThat(bundle.get("/api/files/" + id).statusCode()).isEqualTo(404);
        // the other file is untouched
        assertThat(TABLES).filteredOn(table -> !table.equals("stage_passed")).allMatch(table -> rows(table, other) > 0);
        // and a second delete finds nothing
        assertThat(bundle.delete("/api/files/" + id, BundleUnderTest.ADMIN_KEY).statusCode()).isEqualTo(404);
    }

    @Test
    void aFileIsNotRemovedWhileAVisitIsSendingItAndIsOnceTheVisitHasEnded() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        bundle.post("/api/assignments", TestFiles.assignment("held", "hook", id));
        await().atMost(WAIT).until(() -> holding.holding() == 1);
        assertThat(bundle.stageOf(id)).isEqualTo("held/hook SENDING");

        HttpResponse<String> refused = bundle.delete("/api/files/" + id, BundleUnderTest.ADMIN_KEY);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(PayloadSchema.read(refused.body()).get("error").asText())
                .contains("file " + id + ": a visit is sending it now").contains("GET /api/files/" + id);
        assertThat(TABLES).filteredOn(table -> !table.equals("stage_passed") && !table.equals("delivery_attempt"))
                .allMatch(table -> rows(table, id) > 0);

        holding.release();
        await().atMost(WAIT).until(() -> "held/complete ASSIGNED".equals(bundle.stageOf(id)));
        assertThat(bundle.delete("/api/files/" + id, BundleUnderTest.ADMIN_KEY).statusCode()).isEqualTo(200);
        assertThat(TABLES).allMatch(table -> rows(table, id) == 0);
    }

    @Test
    void onlyAnAdminMayDeleteAFileAndABadIdIsNamed() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        String userKey = PayloadSchema.read(bundle.post("/api/keys", "{\"name\": \"user-" + id + "\", \"role\": \"user\"}")
                .body()).get("key").asText();

        HttpResponse<String> forbidden = bundle.delete("/api/files/" + id, userKey);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body()).contains("a user key may not delete files").contains("admin");
        assertThat(bundle.delete("/api/files/" + id, null).statusCode()).isEqualTo(401);
        assertThat(rows("file", id)).isEqualTo(1);

        HttpResponse<String> badId = bundle.delete("/api/files/" + "x".repeat(100), BundleUnderTest.ADMIN_KEY);
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(badId.body()).contains("item_id").contains("characters");
        assertThat(bundle.delete("/api/files/" + TestFiles.newId(), BundleUnderTest.ADMIN_KEY).statusCode()).isEqualTo(404);
    }

    private static int rows(String table, String itemId) {
        return bundle.jdbc().queryForObject("SELECT COUNT(*) FROM " + table + " WHERE item_id = ?", Integer.class, itemId);
    }
}
