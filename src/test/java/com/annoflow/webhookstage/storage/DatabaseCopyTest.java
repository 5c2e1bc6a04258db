package com.annoflow.webhookstage.storage;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.PostgresOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The move from the embedded database to PostgreSQL (docs/operations.md): a bundle that ran on an HSQLDB file database
 * starts on PostgreSQL after {@link DatabaseCopy} with its files, history, delivery log, keys, pauses and waiting retries.
 */
@PostgresOnly
class DatabaseCopyTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aBundleOnTheEmbeddedDatabaseCarriesOnOnPostgresqlAfterTheCopy() throws Exception {
        TestDatabase embedded = TestDatabase.embeddedFile();
        TestDatabase postgres = TestDatabase.fresh();
        String delivered = TestFiles.newId();
        String waiting = TestFiles.newId();
        String userKey;
        JsonNode waitingBefore;
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest before = BundleUnderTest.forDeliveryTests(receiver, embedded).start()) {
            receiver.wiremock().stubFor(post(urlPathEqualTo("/waits/hour")).willReturn(aResponse().withStatus(503)));
            before.post("/api/files", TestFiles.registration(delivered));
            before.post("/api/files", TestFiles.registration(waiting));
            before.post("/api/assignments", TestFiles.assignment("flow", "send", delivered));
            before.post("/api/assignments", TestFiles.assignment("waits", "hour", waiting));
            await().atMost(WAIT).until(() -> "flow/annotate ASSIGNED".equals(before.stageOf(delivered))
                                             && "waits/hour WAITING".equals(before.stageOf(waiting)));
            userKey = PayloadSchema.read(before.post("/api/keys", "{\"name\": \"ops\", \"role\": \"user\"}").body())
                    .get("key").asText();
            before.post("/api/workflows/fail-named/stages/hook/pause", "{\"reason\": \"receiver moves\"}");
            waitingBefore = PayloadSchema.read(before.get("/api/files/" + waiting).body());
        }

        Map<String, Long> copied;
        try (Storage from = new Storage(embedded.url(), embedded.user(), embedded.password(), 2);
                Storage to = new Storage(postgres.url(), postgres.user(), postgres.password(), 2)) {
            copied = DatabaseCopy.copy(from, to);
        }
        assertThat(copied).containsKeys(DatabaseCopy.TABLES.toArray(String[]::new));
        assertThat(copied.get("file")).isEqualTo(2);
        assertThat(copied.get("delivery_attempt")).isEqualTo(2);
        assertThat(copied.get("api_key")).isGreaterThanOrEqualTo(2);
        assertThat(copied.get("stage_pause")).isEqualTo(1);

        try (Receiver receiver = new Receiver().start();
                BundleUnderTest after = BundleUnderTest.forDeliveryTests(receiver, postgres).start()) {
            JsonNode file = PayloadSchema.read(after.get("/api/files/" + delivered).body());
            assertThat(file.get("stage").asText()).isEqualTo("annotate");
            assertThat(file.get("history")).hasSize(2);
            assertThat(PayloadSchema.read(after.get("/api/files/" + delivered + "/deliveries").body()).get("attempts"))
                    .hasSize(1);
            // the waiting retry keeps its due time, attempts and delivery id
            JsonNode waitingAfter = PayloadSchema.read(after.get("/api/files/" + waiting).body());
            assertThat(waitingAfter.get("status").asText()).isEqualTo("WAITING");
            assertThat(waitingAfter.get("delivery_id")).isEqualTo(waitingBefore.get("delivery_id"));
            assertThat(waitingAfter.get("attempts")).isEqualTo(waitingBefore.get("attempts"));
            assertThat(waitingAfter.get("next_attempt_at")).isEqualTo(waitingBefore.get("next_attempt_at"));
            // keys and pauses came along
            assertThat(PayloadSchema.read(after.get("/api/whoami", userKey).body()).get("name").asText()).isEqualTo("ops");
            assertThat(PayloadSchema.read(after.get("/api/workflows/fail-named/stages/hook/health").body()).get("state")
                    .asText()).isEqualTo("PAUSED_BY_OPERATOR");
            // new rows continue after the copied ids: the "retry now" attempt and a new file's delivery are logged
            after.post("/api/files/" + waiting + "/retry-now", "{}");
            String fresh = TestFiles.newId();
            after.post("/api/files", TestFiles.registration(fresh));
            after.post("/api/assignments", TestFiles.assignment("flow", "send", fresh));
            await().atMost(WAIT).until(() -> "flow/annotate ASSIGNED".equals(after.stageOf(fresh))
                                             && "waits/complete ASSIGNED".equals(after.stageOf(waiting)));
            assertThat(after.attempts(waiting)).hasSize(2);
        }
    }

    @Test
    void aTargetThatAlreadyHoldsFilesIsRefusedAndKeepsThem() throws Exception {
        TestDatabase embedded = TestDatabase.embeddedFile();
        TestDatabase postgres = TestDatabase.fresh();
        String there = TestFiles.newId();
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest running = BundleUnderTest.forDeliveryTests(receiver, postgres).start()) {
            running.post("/api/files", TestFiles.registration(there));
        }
        try (Storage from = new Storage(embedded.url(), embedded.user(), embedded.password(), 2);
                Storage to = new Storage(postgres.url(), postgres.user(), postgres.password(), 2)) {
            from.migrate();
            assertThatThrownBy(() -> DatabaseCopy.copy(from, to)).hasMessageContaining("already holds 1 file(s)")
                    .hasMessageContaining("new, empty database");
            assertThat(to.jdbc().queryForObject("SELECT COUNT(*) FROM file", Integer.class)).isEqualTo(1);
        }
    }
}
