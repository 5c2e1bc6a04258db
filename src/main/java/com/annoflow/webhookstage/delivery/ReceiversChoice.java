package com.annoflow.webhookstage.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.annoflow.webhookstage.workflow.StageConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a delivered answer says about the file's next stage, for a stage with {@code next_from_response}: a JSON object
 * whose {@code next_stage} is one of the listed names picks that stage; anything else (no body, not JSON, no or an
 * unlisted {@code next_stage}) leaves the file to {@code on_success}, and {@link #why} says which it was, for the
 * transition's detail.
 */
record ReceiversChoice(String stage, String why) {

    /** An answer longer than this is not read for a choice. */
    static final int MOST_BYTES = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    static ReceiversChoice of(byte[] head, StageConfig stage) {
        if (head == null || head.length == 0 || new String(head, StandardCharsets.UTF_8).isBlank()) {
            return onSuccess("the answer was empty, so on_success");
        }
        if (head.length > MOST_BYTES) {
            return onSuccess("the answer is longer than " + MOST_BYTES / 1024 + " KB and was not read for next_stage, so"
                             + " on_success");
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(head);
        } catch (IOException e) {
            return onSuccess("the answer is not JSON, so on_success");
        }
        JsonNode named = answer == null ? null : answer.get("next_stage");
        if (named == null || named.isNull()) {
            return onSuccess("the answer named no next_stage, so on_success");
        }
        if (!named.isTextual()) {
            return onSuccess("the answer's next_stage is not a stage name, so on_success");
        }
        String name = named.asText();
        if (!stage.nextFromResponse().contains(name)) {
            String shown = name.length() > 60 ? name.substring(0, 60) + "…" : name;
            return onSuccess("the answer's next_stage '" + shown.replaceAll("\\p{Cntrl}", "?") + "' is not one of "
                             + stage.nextFromResponse() + " (next_from_response), so on_success");
        }
        return new ReceiversChoice(name, "the receiver chose " + name + " (next_stage)");
    }

    private static ReceiversChoice onSuccess(String why) {
        return new ReceiversChoice(null, why);
    }
}
