package com.annoflow.webhookstage.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.annoflow.webhookstage.access.Caller;
import com.annoflow.webhookstage.access.Role;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The checks every resource of the API shares, each a 4xx that names the field and the fix: the caller's role, the
 * workflow and stage a path names, item ids, times and required text.
 */
final class ApiChecks {

    private static final int MAX_ITEM_ID_CHARS = 36;

    private final WorkflowCatalog workflows;
    private final ApiLimits limits;

    ApiChecks(WorkflowCatalog workflows, ApiLimits limits) {
        this.workflows = workflows;
        this.limits = limits;
    }

    /** The roles that operate stages and files: everyone but a worker. */
    static final Role[] OPERATORS = { Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER };

    static boolean mayOperate(Caller caller) {
        return List.of(OPERATORS).contains(caller.role());
    }

    static void requireRole(Caller caller, String what, Role... allowed) {
        if (!List.of(allowed).contains(caller.role())) {
            throw new ApiException(403, "role: a " + caller.role().name().toLowerCase() + " key may not " + what
                                        + "; allowed: " + List.of(allowed).stream().map(r -> r.name().toLowerCase()).toList());
        }
    }

    /** The stage a request names; 404 with the workflow or the stage that does not exist. */
    StageConfig stage(String workflow, String stageName) {
        if (!workflows.workflows().contains(workflow)) {
            throw new ApiException(404, "workflow: no workflow '" + ApiText.shown(workflow) + "' is configured; see GET"
                                        + " /api/workflows for the workflows and their stages");
        }
        return workflows.find(workflow, stageName).orElseThrow(() -> new ApiException(404,
                "stage: workflow '" + workflow + "' has no stage '" + ApiText.shown(stageName) + "'; see GET /api/workflows"));
    }

    StageConfig webhookStage(String workflow, String stageName) {
        StageConfig stage = stage(workflow, stageName);
        if (stage.type() != StageType.WEBHOOK) {
            throw new ApiException(400, "stage: '" + stageName + "' is " + stage.type().described()
                                        + "; deliveries belong to webhook stages");
        }
        return stage;
    }

    static Instant instant(String text, String field) {
        try {
            return Instant.parse(text.trim());
        } catch (RuntimeException e) {
            throw new ApiException(400, field + ": '" + ApiText.shown(text) + "' is not an ISO-8601 UTC time such as"
                                        + " 2026-11-26T00:00:00Z");
        }
    }

    /**
     * The item ids of a request, at most {@code webhook.api.max-ids-per-request}: each an id as the file table holds them
     * (a UUID, at most 36 characters, no control characters), checked before any of them reaches a query.
     */
    List<String> itemIds(JsonNode idsNode, List<String> problems) {
        List<String> ids = new ArrayList<>();
        if (idsNode == null || !idsNode.isArray() || idsNode.isEmpty()) {
            problems.add("file_ids: required, a non-empty list of item ids");
            return ids;
        }
        if (idsNode.size() > limits.maxIdsPerRequest()) {
            problems.add("file_ids: " + idsNode.size() + " ids; at most " + limits.maxIdsPerRequest() + " per request ("
                         + ApiLimits.PREFIX + "max-ids-per-request); send them in several requests");
            return ids;
        }
        for (int i = 0; i < idsNode.size(); i++) {
            JsonNode id = idsNode.get(i);
            if (!id.isTextual()) {
                problems.add("file_ids[" + i + "]: every id must be text, got " + ApiText.shown(id.toString()));
                return ids;
            }
            String problem = itemIdProblem("file_ids[" + i + "]", id.asText());
            if (problem != null) {
                problems.add(problem);
                return ids;
            }
            ids.add(id.asText());
        }
        return ids;
    }

    static void requireItemId(String field, String itemId) {
        String problem = itemIdProblem(field, itemId);
        if (problem != null) {
            throw new ApiException(400, problem);
        }
    }

    static String itemIdProblem(String field, String itemId) {
        if (itemId.isEmpty()) {
            return field + ": empty; send an item id (a UUID)";
        }
        return ApiText.problem(field, itemId, MAX_ITEM_ID_CHARS, "an item id is a UUID");
    }

    static String text(JsonNode node, String field, List<String> problems) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            problems.add(field + ": required text"
                         + (value != null && !value.isTextual() ? ", got " + ApiText.shown(value.toString()) : ""));
            return null;
        }
        return value.asText();
    }

    /** A whole-number query parameter between {@code min} and {@code max}; {@code fallback} when absent. */
    static int wholeNumber(String raw, String field, int min, int max, int fallback) {
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(400, field + ": '" + ApiText.shown(raw) + "' must be a whole number from " + min + " to " + max);
    }

    static ApiException notFound(String itemId) {
        return new ApiException(404, "item_id: no file '" + itemId + "' is registered");
    }
}
