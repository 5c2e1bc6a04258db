package com.annoflow.webhookstage.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** API keys and roles: who may register and assign, to which stage, and the seed's rule for workers. */
class ApiAccessTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);
    private static final Map<Role, String> KEYS = new EnumMap<>(Role.class);

    @BeforeAll
    static void start() {
        for (Role role : Role.values()) {
            HttpResponse<String> created = bundle.post("/api/keys",
                    "{\"name\": \"key-" + role.name().toLowerCase() + "\", \"role\": \"" + role.name().toLowerCase() + "\"}");
            assertThat(created.statusCode()).isEqualTo(201);
            KEYS.put(role, PayloadSchema.read(created.body()).get("key").asText());
        }
    }

    @Test
    void aRequestWithoutAKeyOrWithAnUnknownOneIsUnauthorized() {
        HttpResponse<String> none = bundle.get("/api/workflows", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("Authorization: Bearer");
        assertThat(bundle.get("/api/workflows", "wsk_not-a-key").statusCode()).isEqualTo(401);
        assertThat(bundle.post("/api/files", TestFiles.registration(TestFiles.newId()), null).statusCode()).isEqualTo(401);
    }

    @Test
    void keysAreStoredOnlyAsHashesAndARevokedKeyStopsWorking() {
        String key = PayloadSchema.read(bundle.post("/api/keys", "{\"name\": \"temporary\", \"role\": \"user\"}").body())
                .get("key").asText();
        List<Map<String, Object>> rows = bundle.jdbc().queryForList("SELECT * FROM api_key");
        assertThat(rows.toString()).doesNotContain(key).doesNotContain(BundleUnderTest.ADMIN_KEY);
        assertThat(bundle.get("/api/keys").body()).contains("temporary").doesNotContain(key);
        assertThat(bundle.get("/api/workflows", key).statusCode()).isEqualTo(200);

        assertThat(deleteKey("temporary").statusCode()).isEqualTo(200);
        assertThat(bundle.get("/api/workflows", key).statusCode()).isEqualTo(401);
    }

    @Test
    void onlyAnAdminManagesKeys() {
        for (Role role : List.of(Role.USER, Role.WORKFORCE_MANAGER, Role.WORKER)) {
            HttpResponse<String> answer = bundle.post("/api/keys", "{\"name\": \"x\", \"role\": \"admin\"}", KEYS.get(role));
            assertThat(answer.statusCode()).isEqualTo(403);
            assertThat(answer.body()).contains("may not manage API keys");
        }
    }

    @Test
    void aWorkerCannotRegisterFiles() {
        HttpResponse<String> answer = bundle.post("/api/files", TestFiles.registration(TestFiles.newId()), KEYS.get(Role.WORKER));
        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).contains("worker key may not register files");
    }

    @ParameterizedTest(name = "{0} assigning to {1} -> {2}")
    @CsvSource({
            "ADMIN, dataset, 200", "ADMIN, annotate, 200", "ADMIN, notify, 200", "ADMIN, review, 200", "ADMIN, complete, 200", "ADMIN, parked, 200",
            "USER, dataset, 200", "USER, annotate, 200", "USER, notify, 200", "USER, review, 200", "USER, complete, 200", "USER, parked, 200",
            "WORKFORCE_MANAGER, dataset, 200", "WORKFORCE_MANAGER, annotate, 200", "WORKFORCE_MANAGER, notify, 200",
            "WORKFORCE_MANAGER, review, 200", "WORKFORCE_MANAGER, complete, 200", "WORKFORCE_MANAGER, parked, 200",
            "WORKER, dataset, 403", "WORKER, annotate, 200", "WORKER, notify, 403", "WORKER, review, 403",
            "WORKER, complete, 403", "WORKER, parked, 403"
    })
    void theRoleMatrixOfAssignmentForAFileThatHasNotPassedTheWebhook(Role role, String stage, int status) {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        HttpResponse<String> answer = bundle.post("/api/assignments", TestFiles.assignment("roles", stage, id), KEYS.get(role));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        if (status == 403) {
            assertThat(bundle.stageOf(id)).isNull();
        }
    }

    @Test
    void aWorkerMaySelfAssignAFileToTheReviewStageOnceItHasPassedTheWebhookBeforeIt() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        HttpResponse<String> early = bundle.post("/api/assignments", TestFiles.assignment("roles", "review", id),
                KEYS.get(Role.WORKER));
        assertThat(early.statusCode()).isEqualTo(403);
        assertThat(early.body()).contains("have not passed the webhook stage 'notify'");

        bundle.post("/api/assignments", TestFiles.assignment("roles", "notify", id), KEYS.get(Role.WORKFORCE_MANAGER));
        await().atMost(Duration.ofSeconds(20)).until(() -> "roles/review ASSIGNED".equals(bundle.stageOf(id)));
        bundle.post("/api/assignments", TestFiles.assignment("roles", "annotate", id), KEYS.get(Role.USER));

        assertThat(bundle.post("/api/assignments", TestFiles.assignment("roles", "review", id), KEYS.get(Role.WORKER))
                .statusCode()).isEqualTo(200);
        assertThat(bundle.stageOf(id)).isEqualTo("roles/review ASSIGNED");
    }

    private static HttpResponse<String> deleteKey(String name) {
        try {
            return java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(bundle.apiUrl("/api/keys/" + name))).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + BundleUnderTest.ADMIN_KEY).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
