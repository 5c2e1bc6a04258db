package com.annoflow.webhookstage.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.access.Caller;
import com.annoflow.webhookstage.access.Role;
import com.annoflow.webhookstage.delivery.DeliveryLog;
import com.annoflow.webhookstage.delivery.Ping;
import com.annoflow.webhookstage.delivery.Preview;
import com.annoflow.webhookstage.endpointhealth.StageCircuits;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.payload.InvalidPayloadException;
import com.annoflow.webhookstage.queue.Assignments;
import com.annoflow.webhookstage.queue.FileHistory;
import com.annoflow.webhookstage.queue.StageOverview;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A webhook stage's operations: its deliveries, retry now, ping, preview, health, pause and resume.
 */
public final class StagesApi {

    private static final Pattern DELIVERY_ID = Pattern.compile("msg_[0-9a-f]{32}");
    private static final int MAX_REASON_CHARS = 500;
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 200;
    private static final int MAX_OFFSET = 1_000_000;

    private final FileCatalog files;
    private final Assignments assignments;
    private final FileHistory history;
    private final DeliveryLog deliveries;
    private final Ping ping;
    private final Preview preview;
    private final StageCircuits circuits;
    private final StageOverview overview;
    private final Clock clock;
    private final ApiChecks checks;

    public StagesApi(FileCatalog files, Assignments assignments, FileHistory history, DeliveryLog deliveries, Ping ping,
            Preview preview, StageCircuits circuits, StageOverview overview, Clock clock, WorkflowCatalog workflows,
            ApiLimits limits) {
        this.files = files;
        this.assignments = assignments;
        this.history = history;
        this.deliveries = deliveries;
        this.ping = ping;
        this.preview = preview;
        this.circuits = circuits;
        this.overview = overview;
        this.clock = clock;
        this.checks = new ApiChecks(workflows, limits);
    }

    /** Attempts of one webhook stage since a time (default: the last 24 hours), newest first. */
    public Object stageDeliveries(String workflow, String stageName, String since, Caller caller) {
        StageConfig stage = checks.webhookStage(workflow, stageName);
        Instant from = since == null || since.isBlank() ? clock.instant().minus(Duration.ofDays(1))
                : ApiChecks.instant(since, "since");
        return Map.of("workflow", workflow, "stage", stageName, "since", from.toString(),
                "attempts", deliveries.forStage(stage.id(), from, 500));
    }

    /**
     * A webhook stage at a glance: files queued, sending and waiting for a retry, files whose latest visit failed,
     * visits delivered in the last hour, and the attempts of each minute of the last hour.
     */
    public Object summary(String workflow, String stageName, Caller caller) {
        StageConfig stage = checks.webhookStage(workflow, stageName);
        StageOverview.Summary summary = overview.summary(stage.id());
        StageOverview.Counts counts = summary.counts();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("workflow", workflow);
        answer.put("stage", stageName);
        answer.put("queued", counts.queued());
        answer.put("sending", counts.sending());
        answer.put("waiting", counts.waiting());
        answer.put("failed", counts.failed());
        answer.put("delivered_last_hour", counts.deliveredLastHour());
        answer.put("last_hour", summary.lastHour().stream().map(minute -> Map.of("minute", minute.minute().toString(),
                "delivered", minute.delivered(), "failed", minute.failed())).toList());
        return answer;
    }

    /**
     * A webhook stage's files, newest first: those queued, sending or waiting in it now, or those whose latest visit of
     * it failed or was delivered; {@code limit} (1-200, default 50) from {@code offset}.
     */
    public Object files(String workflow, String stageName, String status, String limit, String offset, Caller caller) {
        StageConfig stage = checks.webhookStage(workflow, stageName);
        if (status == null || status.isBlank()) {
            throw new ApiException(400, "status: required query parameter, one of " + StageOverview.Filter.labels()
                                        + " (e.g. ?status=failed)");
        }
        StageOverview.Filter filter = StageOverview.Filter.of(status);
        if (filter == null) {
            throw new ApiException(400, "status: '" + ApiText.shown(status) + "' is not one of "
                                        + StageOverview.Filter.labels());
        }
        int pageSize = ApiChecks.wholeNumber(limit, "limit", 1, MAX_PAGE, DEFAULT_PAGE);
        int from = ApiChecks.wholeNumber(offset, "offset", 0, MAX_OFFSET, 0);
        StageOverview.Page page = overview.files(stage.id(), filter, pageSize, from);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("workflow", workflow);
        answer.put("stage", stageName);
        answer.put("status", filter.name().toLowerCase(java.util.Locale.ROOT));
        answer.put("files", page.files().stream().map(file -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("item_id", file.itemId());
            row.put("name", file.name());
            row.put("status", file.status());
            row.put("at", file.at() == null ? null : file.at().toString());
            row.put("attempts", file.attempts());
            row.put("delivery_id", file.deliveryId());
            row.put("last_error", file.lastError());
            row.put("last_http_status", file.lastHttpStatus());
            return row;
        }).toList());
        answer.put("next_offset", page.nextOffset());
        return answer;
    }

    /** "Retry now" for every file of a webhook stage that waits for a retry. */
    public Object retryStageNow(String workflow, String stageName, Caller caller) {
        ApiChecks.requireRole(caller, "retry a stage's files now", ApiChecks.OPERATORS);
        StageConfig stage = checks.webhookStage(workflow, stageName);
        List<String> due = assignments.retryNow(stage, null);
        return Map.of("retrying_now", due, "workflow", workflow, "stage", stageName);
    }

    /** Sends a test payload to the stage's URL, as a delivery would, without moving any file. */
    public Object ping(String workflow, String stageName, Caller caller) throws Exception {
        ApiChecks.requireRole(caller, "ping a stage", ApiChecks.OPERATORS);
        return ping.send(checks.webhookStage(workflow, stageName));
    }

    /**
     * The exact body and the headers (secrets masked) that the stage would send for the file, sent nowhere and moving
     * nothing. The delivery id is {@code delivery_id} if given, else that of the file's visit of this stage, else an
     * example one.
     */
    public Object preview(String workflow, String stageName, String fileId, String deliveryId, Caller caller) {
        ApiChecks.requireRole(caller, "preview a stage's payload", ApiChecks.OPERATORS);
        StageConfig stage = checks.webhookStage(workflow, stageName);
        if (fileId == null || fileId.isBlank()) {
            throw new ApiException(400, "file_id: required query parameter, the item id of a registered file"
                                        + " (e.g. ?file_id=01920b88-51e0-ce68-bf91-a1bab42246e0)");
        }
        ApiChecks.requireItemId("file_id", fileId);
        if (!files.exists(fileId)) {
            throw ApiChecks.notFound(fileId);
        }
        String from;
        if (deliveryId != null) {
            if (!DELIVERY_ID.matcher(deliveryId).matches()) {
                throw new ApiException(400, "delivery_id: " + ApiText.shown(deliveryId) + " is not a delivery id (msg_"
                                            + " and 32 hex digits, as in the webhook-id header); leave it out to use the"
                                            + " file's own");
            }
            from = "query";
        } else {
            deliveryId = history.deliveryIdIn(fileId, stage.id()).orElse(null);
            from = deliveryId != null ? "visit" : "example";
            if (deliveryId == null) {
                deliveryId = "msg_" + "0".repeat(32);
            }
        }
        Preview.Request request;
        try {
            request = preview.of(stage, fileId, deliveryId);
        } catch (InvalidPayloadException e) {
            throw new ApiException(422, "payload: " + e.getMessage() + " (a delivery of this file would fail the same way,"
                                        + " with this reason in the delivery log)");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("workflow", workflow);
        answer.put("stage", stageName);
        answer.put("file_id", fileId);
        answer.put("payload", stage.payload().label());
        answer.put("delivery_id", deliveryId);
        answer.put("delivery_id_from", from);
        answer.put("url", caller.role() == Role.ADMIN ? stage.url().toString() : request.url());
        answer.put("headers", request.headers());
        answer.put("body", request.body());
        return answer;
    }

    /** Whether the stage is sending, and why not: circuit state, recent failure rate, manual pause. */
    public Object health(String workflow, String stageName, Caller caller) {
        StageConfig stage = checks.webhookStage(workflow, stageName);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("workflow", workflow);
        answer.put("stage", stageName);
        answer.putAll(circuits.describe(stage));
        return answer;
    }

    /** Stops the stage's sending on every instance; its files wait, assigned, until it is resumed. */
    public Object pause(String workflow, String stageName, JsonNode request, Caller caller) {
        ApiChecks.requireRole(caller, "pause a stage", ApiChecks.OPERATORS);
        StageConfig stage = checks.webhookStage(workflow, stageName);
        String reason = null;
        if (request != null && request.hasNonNull("reason")) {
            if (!request.get("reason").isTextual()) {
                throw new ApiException(400, "reason: must be text, e.g. {\"reason\": \"receiver maintenance until 14:00\"}");
            }
            reason = request.get("reason").asText();
            String problem = ApiText.problem("reason", reason.replace('\n', ' ').replace('\t', ' '), MAX_REASON_CHARS,
                    "a pause's reason");
            if (problem != null) {
                throw new ApiException(400, problem);
            }
        }
        circuits.pause(stage, caller.name() + " (" + caller.role().name().toLowerCase() + ")", reason);
        return health(workflow, stageName, caller);
    }

    /** Lifts a manual pause and closes an open circuit: the stage sends again at once. */
    public Object resume(String workflow, String stageName, Caller caller) {
        ApiChecks.requireRole(caller, "resume a stage", ApiChecks.OPERATORS);
        StageConfig stage = checks.webhookStage(workflow, stageName);
        circuits.resume(stage, caller.name() + " (" + caller.role().name().toLowerCase() + ")");
        return health(workflow, stageName, caller);
    }
}
