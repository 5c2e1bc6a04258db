package com.annoflow.webhookstage.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.access.Caller;
import com.annoflow.webhookstage.access.Role;
import com.annoflow.webhookstage.delivery.DeliveryLog;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.queue.AssignmentRefused;
import com.annoflow.webhookstage.queue.Assignments;
import com.annoflow.webhookstage.queue.FileHistory;
import com.annoflow.webhookstage.queue.FileRemoval;
import com.annoflow.webhookstage.queue.FileStatus;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The files: register them, assign them to a stage (the seed's "a User, Admin or Workforce Manager must assign
 * files"), redeliver them, retry one now, and read where a file is and how its deliveries went. Every method validates
 * first and changes nothing when it refuses.
 */
public final class FilesApi {

    private final FileCatalog files;
    private final Assignments assignments;
    private final FileHistory history;
    private final WorkflowCatalog workflows;
    private final DeliveryLog deliveries;
    private final FileRemoval removal;
    private final ApiLimits limits;
    private final ApiChecks checks;

    public FilesApi(FileCatalog files, Assignments assignments, FileHistory history, WorkflowCatalog workflows,
            DeliveryLog deliveries, FileRemoval removal, ApiLimits limits) {
        this.files = files;
        this.assignments = assignments;
        this.history = history;
        this.workflows = workflows;
        this.deliveries = deliveries;
        this.removal = removal;
        this.limits = limits;
        this.checks = new ApiChecks(workflows, limits);
    }

    public Map<String, Object> register(JsonNode body, Caller caller) {
        ApiChecks.requireRole(caller, "register files", ApiChecks.OPERATORS);
        List<RegisteredFile> registrations = new RegistrationReader(limits).read(body);
        List<String> ids = registrations.stream().map(f -> f.item().sourceInfo().itemId()).toList();
        List<String> taken = files.existing(ids);
        if (!taken.isEmpty()) {
            throw new ApiException(409, "item.source_info.item_id: " + taken + " already registered; leave item_id out"
                                        + " to get a new id, or assign the existing file");
        }
        files.register(registrations);
        return Map.of("registered", ids);
    }

    public Map<String, Object> assign(JsonNode request, Caller caller) {
        List<String> problems = new ArrayList<>();
        String workflow = ApiChecks.text(request, "workflow", problems);
        String stageName = ApiChecks.text(request, "stage", problems);
        List<String> ids = checks.itemIds(request.get("file_ids"), problems);
        if (!problems.isEmpty()) {
            throw new ApiException(400, String.join("; ", problems));
        }
        StageConfig stage = checks.stage(workflow, stageName);
        List<String> distinct = List.copyOf(new LinkedHashSet<>(ids));
        if (!caller.role().assignsAnywhere()) {
            workerMayAssign(stage, distinct);
        }
        try {
            assignments.assign(distinct, stage, caller.name() + " (" + caller.role().name().toLowerCase() + ")");
        } catch (AssignmentRefused e) {
            throw new ApiException(e.status(), e.getMessage());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("assigned", distinct.size());
        answer.put("workflow", workflow);
        answer.put("stage", stageName);
        return answer;
    }

    /**
     * The seed's rule for workers: they self-assign only in stages people work on, and only files that have passed
     * through every webhook stage placed before that stage in the workflow.
     */
    private void workerMayAssign(StageConfig stage, List<String> itemIds) {
        if (stage.type() != StageType.ANNOTATE && stage.type() != StageType.REVIEW) {
            throw new ApiException(403, "stage: a worker may only self-assign files in annotate and review stages, not in"
                                        + " the " + stage.type().label() + " stage '" + stage.name() + "'; ask a User,"
                                        + " Admin or Workforce Manager");
        }
        List<StageConfig> webhooksBefore = workflows.stages().stream()
                .filter(s -> s.workflow().equals(stage.workflow()) && s.type() == StageType.WEBHOOK
                             && s.position() < stage.position())
                .toList();
        for (StageConfig webhook : webhooksBefore) {
            List<String> notPassed = itemIds.stream().filter(id -> !history.hasLeft(id, webhook.id())).toList();
            if (!notPassed.isEmpty()) {
                throw new ApiException(403, "file_ids: " + notPassed + " have not passed the webhook stage '" + webhook.name()
                                            + "' yet; workers cannot self-assign them until they have (a User, Admin or"
                                            + " Workforce Manager can)");
            }
        }
    }

    public Object file(String itemId, Caller caller) {
        ApiChecks.requireItemId("item_id", itemId);
        return history.status(itemId).orElseThrow(() -> ApiChecks.notFound(itemId));
    }

    /**
     * Removes a file with its annotations, delivery attempts and history (annotator e-mails are personal data); refused
     * while a visit is sending it.
     */
    public Map<String, Object> delete(String itemId, Caller caller) {
        ApiChecks.requireRole(caller, "delete files", Role.ADMIN);
        ApiChecks.requireItemId("item_id", itemId);
        FileRemoval.Removed removed = removal.remove(itemId);
        switch (removed.outcome()) {
            case NOT_FOUND -> throw ApiChecks.notFound(itemId);
            case SENDING -> throw new ApiException(409, "file " + itemId + ": a visit is sending it now; delete it once the"
                                                        + " attempt has ended (GET /api/files/" + itemId + " shows its status)");
            default -> {
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("deleted", itemId);
                answer.put("annotations", removed.annotations());
                answer.put("attempts", removed.attempts());
                answer.put("transitions", removed.transitions());
                return answer;
            }
        }
    }

    public Object deliveries(String itemId, Caller caller) {
        ApiChecks.requireItemId("item_id", itemId);
        if (!files.exists(itemId)) {
            throw ApiChecks.notFound(itemId);
        }
        return Map.of("item_id", itemId, "attempts", deliveries.forFile(itemId));
    }

    /**
     * Sends files through a webhook stage again, as a new visit (new delivery id, full budget): the files named, or every
     * file whose latest visit of the stage failed since a time.
     */
    public Map<String, Object> redeliver(JsonNode request, Caller caller) {
        ApiChecks.requireRole(caller, "redeliver files", ApiChecks.OPERATORS);
        List<String> problems = new ArrayList<>();
        String workflow = ApiChecks.text(request, "workflow", problems);
        String stageName = ApiChecks.text(request, "stage", problems);
        if (!problems.isEmpty()) {
            throw new ApiException(400, String.join("; ", problems));
        }
        StageConfig stage = checks.webhookStage(workflow, stageName);
        List<String> ids = new ArrayList<>();
        if (request.hasNonNull("file_ids") == request.hasNonNull("failed_since")) {
            throw new ApiException(400, "body: send either file_ids (a list of item ids) or failed_since (an ISO-8601 time"
                                        + " such as 2026-11-26T00:00:00Z), not both and not neither");
        }
        if (request.hasNonNull("file_ids")) {
            ids.addAll(checks.itemIds(request.get("file_ids"), problems));
            if (!problems.isEmpty()) {
                throw new ApiException(400, String.join("; ", problems));
            }
        } else {
            JsonNode since = request.get("failed_since");
            if (!since.isTextual()) {
                throw new ApiException(400, "failed_since: must be an ISO-8601 UTC time as text, such as"
                                            + " \"2026-11-26T00:00:00Z\"");
            }
            ids.addAll(history.failedSince(stage.id(), ApiChecks.instant(since.asText(), "failed_since")));
        }
        if (!ids.isEmpty()) {
            try {
                assignments.assign(List.copyOf(new LinkedHashSet<>(ids)), stage,
                        caller.name() + " (" + caller.role().name().toLowerCase() + ", redelivery)");
            } catch (AssignmentRefused e) {
                throw new ApiException(e.status(), e.getMessage());
            }
        }
        return Map.of("redelivered", ids, "workflow", workflow, "stage", stageName);
    }

    /**
     * "Retry now" for one file: a file waiting for a retry becomes due at once, its attempts and delivery id kept (the
     * attempt it makes counts against its budget as any other).
     */
    public Object retryFileNow(String itemId, Caller caller) {
        ApiChecks.requireRole(caller, "retry a file now", ApiChecks.OPERATORS);
        ApiChecks.requireItemId("item_id", itemId);
        FileStatus status = history.status(itemId).orElseThrow(() -> ApiChecks.notFound(itemId));
        if (!"WAITING".equals(status.status())) {
            throw new ApiException(409, "item_id: file " + itemId + " is not waiting for a retry (it is "
                                        + (status.status() == null ? "in no stage" : FileStatus.describe(status.status())
                                        + " in " + status.workflow() + "/" + status.stage())
                                        + "); only a file waiting for a retry can be retried now");
        }
        StageConfig stage = workflows.find(status.workflow(), status.stage()).orElseThrow(() -> ApiChecks.notFound(itemId));
        List<String> due = assignments.retryNow(stage, List.of(itemId));
        return Map.of("retrying_now", due, "workflow", stage.workflow(), "stage", stage.name());
    }
}
