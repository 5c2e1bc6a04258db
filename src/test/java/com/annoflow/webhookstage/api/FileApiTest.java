package com.annoflow.webhookstage.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.PayloadSchema;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP API over the real bundle: refusals name the problem and change nothing. */
class FileApiTest {

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void aRegisteredFileCanBeReadBackWithItsStageAndHistory() {
        String id = TestFiles.newId();
        assertThat(bundle.post("/api/files", TestFiles.registration(id)).body()).contains(id);
        assertThat(bundle.post("/api/assignments", TestFiles.assignment("flow", "annotate", id)).statusCode()).isEqualTo(200);

        JsonNode file = PayloadSchema.read(bundle.get("/api/files/" + id).body());
        assertThat(file.get("stage").asText()).isEqualTo("annotate");
        assertThat(file.get("status").asText()).isEqualTo("ASSIGNED");
        assertThat(file.at("/history/0/reason").asText()).isEqualTo("ASSIGNED");
        assertThat(PayloadSchema.read(bundle.get("/api/files/" + id + "/deliveries").body()).get("attempts")).isEmpty();
    }

    @Test
    void aFileWithoutAnItemIdGetsOne() {
        String body = TestFiles.registration("x").replace("\"item_id\": \"x\", ", "");
        HttpResponse<String> answer = bundle.post("/api/files", body);
        assertThat(answer.statusCode()).isEqualTo(201);
        assertThat(PayloadSchema.read(answer.body()).at("/registered/0").asText()).hasSize(36);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON | {\"files\": [ | 400 | body: not valid JSON",
            "not an object | [1, 2] | 400 | body: must be a JSON object",
            "missing name | {\"item\": {\"path\": \"/\", \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}}} | 400 | files[0].item.name: required text",
            "width as text | {\"item\": {\"name\": \"a.jpg\", \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}, \"slots\": [{\"slot_name\": \"0\", \"type\": \"image\", \"width\": \"wide\"}]}} | 400 | files[0].item.slots[0].width: must be a positive whole number",
            "bad item id | {\"item\": {\"name\": \"a.jpg\", \"source_info\": {\"item_id\": \"42\", \"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}}} | 400 | files[0].item.source_info.item_id: '42' must be a UUID",
            "malformed annotation | {\"item\": {\"name\": \"a.jpg\", \"source_info\": {\"team\": {\"name\": \"t\", \"slug\": \"t\"}, \"dataset\": {\"name\": \"d\", \"slug\": \"d\"}}}, \"annotations\": [{\"name\": \"car\", \"polygon\": {\"paths\": [[{\"x\": 1}]]}}]} | 400 | files[0].annotations[0].polygon.paths[0][0]: x and y must be numbers"
    })
    void aBadRegistrationIsRefusedWithTheFieldNamedAndNothingStored(String why, String body, int status, String message) {
        int filesBefore = count("file");
        HttpResponse<String> answer = bundle.post("/api/files", body);
        assertThat(answer.statusCode()).isEqualTo(status);
        assertThat(PayloadSchema.read(answer.body()).get("error").asText()).contains(message);
        assertThat(count("file")).isEqualTo(filesBefore);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unclosed object | {\"files\": [{\"item\": | 1 | 11",
            "a bare word | {\"files\": nope} | 1 | 14",
            "trailing garbage | {\"files\": []} ] | 1 | 16"
    })
    void malformedJsonIsAnsweredWithItsLineAndColumnAndNoParserInternals(String why, String body, int line, int column) {
        String error = PayloadSchema.read(bundle.post("/api/files", body).body()).get("error").asText();
        assertThat(error).startsWith("body: not valid JSON at line " + line + ", column ")
                .doesNotContain("Source").doesNotContain("REDACTED").doesNotContain("StreamReadFeature")
                .doesNotContain("com.fasterxml");
    }

    @Test
    void aStageIsNamedWithTheRightArticleInMessages() {
        assertThat(bundle.get("/api/workflows/flow/stages/annotate/health").body())
                .contains("'annotate' is an annotate stage; deliveries belong to webhook stages");
        assertThat(bundle.get("/api/workflows/flow/stages/dataset/health").body()).contains("'dataset' is a dataset stage");
    }

    @Test
    void registeringAnIdTwiceIsAConflict() {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        HttpResponse<String> again = bundle.post("/api/files", TestFiles.registration(id));
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("already registered");
    }

    @Test
    void assigningAnUnknownFileIsRefusedAndChangesNothingForTheKnownOnes() {
        String known = TestFiles.newId();
        String unknown = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(known));
        int transitionsBefore = count("stage_transition");

        HttpResponse<String> answer = bundle.post("/api/assignments", TestFiles.assignment("flow", "send", known, unknown));
        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.body()).contains("file_ids").contains(unknown).doesNotContain("\"" + known);
        assertThat(bundle.stageOf(known)).isNull();
        assertThat(count("stage_transition")).isEqualTo(transitionsBefore);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown stage | {\"workflow\": \"flow\", \"stage\": \"nope\", \"file_ids\": [\"%s\"]} | 404 | stage: workflow 'flow' has no stage 'nope'",
            "unknown workflow | {\"workflow\": \"nope\", \"stage\": \"send\", \"file_ids\": [\"%s\"]} | 404 | workflow: no workflow 'nope' is configured; see GET /api/workflows",
            "malformed JSON | {\"workflow\": \"flow\", | 400 | body: not valid JSON",
            "ids not a list | {\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": \"%s\"} | 400 | file_ids: required, a non-empty list",
            "id not text | {\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [42]} | 400 | file_ids[0]: every id must be text",
            "id too long | {\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [\"%s-and-more-than-36-characters\"]} | 400 | file_ids[0]: is 64 characters long; at most 36 are accepted (an item id is a UUID)",
            "id with a NUL | {\"workflow\": \"flow\", \"stage\": \"send\", \"file_ids\": [\"a\\u0000b\"]} | 400 | file_ids[0]: contains a NUL character",
            "stage not text | {\"workflow\": \"flow\", \"stage\": 7, \"file_ids\": [\"%s\"]} | 400 | stage: required text, got 7"
    })
    void aBadAssignmentIsRefusedWithAClearMessageAndChangesNothing(String why, String template, int status, String message) {
        String id = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(id));
        int assignmentsBefore = count("assignment");
        int transitionsBefore = count("stage_transition");

        HttpResponse<String> answer = bundle.post("/api/assignments", template.replace("%s", id));
        assertThat(answer.statusCode()).isEqualTo(status);
        assertThat(PayloadSchema.read(answer.body()).get("error").asText()).contains(message);
        assertThat(count("assignment")).isEqualTo(assignmentsBefore);
        assertThat(count("stage_transition")).isEqualTo(transitionsBefore);
    }

    @Test
    void readingAnUnknownFileAnswersNotFound() {
        HttpResponse<String> answer = bundle.get("/api/files/" + TestFiles.newId());
        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.body()).contains("no file");
        assertThat(bundle.get("/api/files/" + TestFiles.newId() + "/deliveries").statusCode()).isEqualTo(404);
    }

    @Test
    void theWorkflowsListTheirStagesWithTheFailureRulesResolvedToStages() {
        JsonNode workflows = PayloadSchema.read(bundle.get("/api/workflows").body()).get("workflows");
        assertThat(hook(workflows, "fail-next").get("on_failure").asText()).isEqualTo("annotate");
        assertThat(hook(workflows, "fail-previous").get("on_failure").asText()).isEqualTo("review");
        assertThat(hook(workflows, "fail-named").get("on_failure").asText()).isEqualTo("webhook-failed");
        assertThat(hook(workflows, "fail-named").get("retries").asInt()).isEqualTo(5);
    }

    private static JsonNode hook(JsonNode workflows, String workflow) {
        for (JsonNode w : workflows) {
            if (w.get("name").asText().equals(workflow)) {
                for (JsonNode stage : w.get("stages")) {
                    if (stage.get("name").asText().equals("hook")) {
                        return stage;
                    }
                }
            }
        }
        throw new AssertionError("no stage hook in " + workflow);
    }

    private static int count(String table) {
        return bundle.jdbc().queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
    }
}
