package com.annoflow.webhookstage.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.access.ApiKeys;
import com.annoflow.webhookstage.access.Caller;
import com.annoflow.webhookstage.access.Role;
import com.annoflow.webhookstage.delivery.DeliveryLog;
import com.annoflow.webhookstage.delivery.Ping;
import com.annoflow.webhookstage.delivery.Preview;
import com.annoflow.webhookstage.endpointhealth.StageCircuits;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.payload.InvalidPayloadException;
import com.annoflow.webhookstage.queue.AssignmentRefused;
import com.annoflow.webhookstage.queue.Assignments;
import com.annoflow.webhookstage.queue.FileHistory;
import com.annoflow.webhookstage.queue.FileStatus;
import com.annoflow.webhookstage.workflow.RetrySchedule;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.StageType;
import com.annoflow.webhookstage.workflow.TargetUrls;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The manual side of the stage: register files, assign them to a stage (the seed's "a User, Admin or Workforce
 * Manager must assign files"), and read where a file is and how its deliveries went. Every method validates first and
 * changes nothing when it refuses. The caller's identity arrives as {@code assignedBy}, where authentication will plug in.
 */
public final class FileApi {

    private final FileCatalog files;
    private final Assignments assignments;
    private final FileHistory history;
    private final Clock clock;
    private final WorkflowCatalog workflows;
    private final DeliveryLog deliveries;
    private final ApiKeys keys;
    private final Ping ping;
    private final Preview preview;
    private final StageCircuits circuits;
    private final ApiLimits limits;

    /** An item id as the file table holds it: a UUID. */
    private static final int MAX_ITEM_ID_CHARS = 36;
    private static final int MAX_REASON_CHARS = 500;
    private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    public FileApi(FileCatalog files, Assignments assignments, FileHistory history, WorkflowCatalog workflows, Clock clock,
            DeliveryLog deliveries, ApiKeys keys, Ping ping, Preview preview, StageCircuits circuits, ApiLimits limits) {
        this.keys = keys;
        this.preview = preview;
        this.circuits = circuits;
        this.ping = ping;
        this.files = files;
        this.assignments = assignments;
        this.history = history;
        this.clock = clock;
        this.workflows = workflows;
        this.deliveries = deliveries;
        this.limits = limits;
    }

    public Map<String, Object> register(JsonNode body, Caller caller) {
        requireRole(caller, "register files", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
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
        String workflow = text(request, "workflow", problems);
        String stageName = text(request, "stage", problems);
        List<String> ids = itemIds(request.get("file_ids"), problems);
        if (!problems.isEmpty()) {
            throw new ApiException(400, String.join("; ", problems));
        }
        StageConfig stage = stage(workflow, stageName);
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

    public Map<String, Object> createKey(JsonNode request, Caller caller) {
        requireRole(caller, "manage API keys", Role.ADMIN);
        List<String> problems = new ArrayList<>();
        String name = text(request, "name", problems);
        String roleText = text(request, "role", problems);
        if (!problems.isEmpty()) {
            throw new ApiException(400, String.join("; ", problems));
        }
        Role role = Role.parse(roleText);
        if (role == null) {
            throw new ApiException(400, "role: '" + ApiText.shown(roleText) + "' is not a role; use admin, user,"
                                        + " workforce_manager or worker");
        }
        requireKeyName(name);
        if (keys.exists(name)) {
            throw new ApiException(409, "name: '" + name + "' is taken; revoke it or pick another name");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("name", name);
        answer.put("role", role.name().toLowerCase());
        answer.put("key", keys.create(name, role));
        answer.put("note", "store this key now: only its hash is kept");
        return answer;
    }

    public Object keys(Caller caller) {
        requireRole(caller, "manage API keys", Role.ADMIN);
        return Map.of("keys", keys.list());
    }

    public Object revokeKey(String name, Caller caller) {
        requireRole(caller, "manage API keys", Role.ADMIN);
        requireKeyName(name);
        if (!keys.revoke(name)) {
            throw new ApiException(404, "name: no active key '" + name + "'");
        }
        return Map.of("revoked", name);
    }

    /** Key names are what the key table holds: checked before any query, so a hostile name never reaches the database. */
    private static void requireKeyName(String name) {
        if (!KEY_NAME.matcher(name).matches()) {
            throw new ApiException(400, "name: '" + ApiText.shown(name) + "' must be 1-100 letters, digits, '.', '_' or '-'");
        }
    }

    private static void requireRole(Caller caller, String what, Role... allowed) {
        if (!List.of(allowed).contains(caller.role())) {
            throw new ApiException(403, "role: a " + caller.role().name().toLowerCase() + " key may not " + what
                                        + "; allowed: " + List.of(allowed).stream().map(r -> r.name().toLowerCase()).toList());
        }
    }

    public Object file(String itemId, Caller caller) {
        requireItemId("item_id", itemId);
        return history.status(itemId).orElseThrow(() -> notFound(itemId));
    }

    public Object deliveries(String itemId, Caller caller) {
        requireItemId("item_id", itemId);
        if (!files.exists(itemId)) {
            throw notFound(itemId);
        }
        return Map.of("item_id", itemId, "attempts", deliveries.forFile(itemId));
    }

    /** Attempts of one webhook stage since a time (default: the last 24 hours), newest first. */
    public Object stageDeliveries(String workflow, String stageName, String since, Caller caller) {
        StageConfig stage = webhookStage(workflow, stageName);
        Instant from = since == null || since.isBlank() ? clock.instant().minus(Duration.ofDays(1))
                : instant(since, "since");
        return Map.of("workflow", workflow, "stage", stageName, "since", from.toString(),
                "attempts", deliveries.forStage(stage.id(), from, 500));
    }

    /**
     * Sends files through a webhook stage again, as a new visit (new delivery id, full budget): the files named, or every
     * file whose latest visit of the stage failed since a time.
     */
    public Map<String, Object> redeliver(JsonNode request, Caller caller) {
        requireRole(caller, "redeliver files", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
        List<String> problems = new ArrayList<>();
        String workflow = text(request, "workflow", problems);
        String stageName = text(request, "stage", problems);
        if (!problems.isEmpty()) {
            throw new ApiException(400, String.join("; ", problems));
        }
        StageConfig stage = webhookStage(workflow, stageName);
        List<String> ids = new ArrayList<>();
        if (request.hasNonNull("file_ids") == request.hasNonNull("failed_since")) {
            throw new ApiException(400, "body: send either file_ids (a list of item ids) or failed_since (an ISO-8601 time"
                                        + " such as 2026-11-26T00:00:00Z), not both and not neither");
        }
        if (request.hasNonNull("file_ids")) {
            ids.addAll(itemIds(request.get("file_ids"), problems));
            if (!problems.isEmpty()) {
                throw new ApiException(400, String.join("; ", problems));
            }
        } else {
            JsonNode since = request.get("failed_since");
            if (!since.isTextual()) {
                throw new ApiException(400, "failed_since: must be an ISO-8601 UTC time as text, such as"
                                            + " \"2026-11-26T00:00:00Z\"");
            }
            ids.addAll(history.failedSince(stage.id(), instant(since.asText(), "failed_since")));
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
        requireRole(caller, "retry a file now", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
        requireItemId("item_id", itemId);
        FileStatus status = history.status(itemId).orElseThrow(() -> notFound(itemId));
        if (!"WAITING".equals(status.status())) {
            throw new ApiException(409, "item_id: file " + itemId + " is not waiting for a retry (it is "
                                        + (status.status() == null ? "in no stage" : FileStatus.describe(status.status())
                                        + " in " + status.workflow() + "/" + status.stage())
                                        + "); only a file waiting for a retry can be retried now");
        }
        StageConfig stage = workflows.find(status.workflow(), status.stage()).orElseThrow(() -> notFound(itemId));
        List<String> due = assignments.retryNow(stage, List.of(itemId));
        return Map.of("retrying_now", due, "workflow", stage.workflow(), "stage", stage.name());
    }

    /** "Retry now" for every file of a webhook stage that waits for a retry. */
    public Object retryStageNow(String workflow, String stageName, Caller caller) {
        requireRole(caller, "retry a stage's files now", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
        StageConfig stage = webhookStage(workflow, stageName);
        List<String> due = assignments.retryNow(stage, null);
        return Map.of("retrying_now", due, "workflow", workflow, "stage", stageName);
    }

    /** Sends a test payload to the stage's URL, as a delivery would, without moving any file. */
    public Object ping(String workflow, String stageName, Caller caller) throws Exception {
        requireRole(caller, "ping a stage", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
        return ping.send(webhookStage(workflow, stageName));
    }

    /**
     * The exact body and the headers (secrets masked) that the stage would send for the file, sent nowhere and moving
     * nothing. The delivery id is {@code delivery_id} if given, else that of the file's visit of this stage, else an
     * example one.
     */
    public Object preview(String workflow, String stageName, String fileId, String deliveryId, Caller caller) {
        requireRole(caller, "preview a stage's payload", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
        StageConfig stage = webhookStage(workflow, stageName);
        if (fileId == null || fileId.isBlank()) {
            throw new ApiException(400, "file_id: required query parameter, the item id of a registered file"
                                        + " (e.g. ?file_id=01920b88-51e0-ce68-bf91-a1bab42246e0)");
        }
        requireItemId("file_id", fileId);
        if (files.item(fileId).isEmpty()) {
            throw notFound(fileId);
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

    private static final Pattern DELIVERY_ID = Pattern.compile("msg_[0-9a-f]{32}");

    /** Whether the stage is sending, and why not: circuit state, recent failure rate, manual pause. */
    public Object health(String workflow, String stageName, Caller caller) {
        StageConfig stage = webhookStage(workflow, stageName);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("workflow", workflow);
        answer.put("stage", stageName);
        answer.putAll(circuits.describe(stage));
        return answer;
    }

    /** Stops the stage's sending on every instance; its files wait, assigned, until it is resumed. */
    public Object pause(String workflow, String stageName, JsonNode request, Caller caller) {
        requireRole(caller, "pause a stage", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
        StageConfig stage = webhookStage(workflow, stageName);
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
        requireRole(caller, "resume a stage", Role.ADMIN, Role.USER, Role.WORKFORCE_MANAGER);
        StageConfig stage = webhookStage(workflow, stageName);
        circuits.resume(stage, caller.name() + " (" + caller.role().name().toLowerCase() + ")");
        return health(workflow, stageName, caller);
    }

    /** The stage a request names; 404 with the workflow or the stage that does not exist. */
    private StageConfig stage(String workflow, String stageName) {
        if (!workflows.workflows().contains(workflow)) {
            throw new ApiException(404, "workflow: no workflow '" + ApiText.shown(workflow) + "' is configured; see GET"
                                        + " /api/workflows for the workflows and their stages");
        }
        return workflows.find(workflow, stageName).orElseThrow(() -> new ApiException(404,
                "stage: workflow '" + workflow + "' has no stage '" + ApiText.shown(stageName) + "'; see GET /api/workflows"));
    }

    private StageConfig webhookStage(String workflow, String stageName) {
        StageConfig stage = stage(workflow, stageName);
        if (stage.type() != StageType.WEBHOOK) {
            throw new ApiException(400, "stage: '" + stageName + "' is " + stage.type().described()
                                        + "; deliveries belong to webhook stages");
        }
        return stage;
    }

    private static Instant instant(String text, String field) {
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
    private List<String> itemIds(JsonNode idsNode, List<String> problems) {
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

    private static void requireItemId(String field, String itemId) {
        String problem = itemIdProblem(field, itemId);
        if (problem != null) {
            throw new ApiException(400, problem);
        }
    }

    private static String itemIdProblem(String field, String itemId) {
        if (itemId.isEmpty()) {
            return field + ": empty; send an item id (a UUID)";
        }
        return ApiText.problem(field, itemId, MAX_ITEM_ID_CHARS, "an item id is a UUID");
    }

    /** The configured workflows; Authorization values are never shown, only whether one is set. */
    public Object workflows(Caller caller) {
        Map<String, List<Map<String, Object>>> byWorkflow = new LinkedHashMap<>();
        workflows.stages().stream()
                .sorted(Comparator.comparing(StageConfig::workflow).thenComparing(StageConfig::position))
                .forEach(stage -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("name", stage.name());
                    view.put("type", stage.type().label());
                    if (stage.next() != null) {
                        view.put("next", stage.next());
                    }
                    if (stage.type().isAutomated()) {
                        // the path and query can be the credential (a Zapier Catch Hook URL): admins only
                        view.put("url", caller.role() == Role.ADMIN ? stage.url().toString() : TargetUrls.masked(stage.url()));
                        view.put("authorization", stage.hasAuthorization() ? "configured"
                                : stage.usesOAuth2() ? "oauth2" : "none");
                        if (stage.usesOAuth2()) {
                            // where the token comes from and for whom; the secret and the token are never shown
                            Map<String, Object> oauth2 = new LinkedHashMap<>();
                            oauth2.put("token_url", caller.role() == Role.ADMIN ? stage.oauth2().tokenUrl().toString()
                                    : TargetUrls.masked(stage.oauth2().tokenUrl()));
                            oauth2.put("client_id", stage.oauth2().clientId());
                            if (stage.oauth2().scope() != null) {
                                oauth2.put("scope", stage.oauth2().scope());
                            }
                            oauth2.put("client_secret", "****");
                            view.put("oauth2", oauth2);
                        }
                        view.put("client_certificate", stage.hasClientCertificate() ? "configured" : "none");
                        view.put("signing", stage.isSigned() ? stage.signingSecrets().size() + " secret(s)" : "none");
                        // header values may be API keys: names only, every value masked
                        Map<String, String> headers = new LinkedHashMap<>();
                        stage.headers().keySet().forEach(name -> headers.put(name, "****"));
                        view.put("headers", headers);
                        view.put("payload", stage.payload().label());
                        view.put("include_annotations", stage.includeAnnotations());
                        view.put("retries", stage.retries());
                        view.put("retry_schedule", stage.retrySchedule().stream().map(RetrySchedule::written).toList());
                        view.put("max_concurrency", stage.maxConcurrency());
                        if (stage.isRateLimited()) {
                            view.put("max_per_second", stage.maxPerSecond());
                        }
                        view.put("timeout_ms", stage.timeoutMillis());
                        view.put("on_success", stage.onSuccess());
                        view.put("on_failure", stage.onFailure());
                        view.put("sending", circuits.state(stage).name());
                    }
                    byWorkflow.computeIfAbsent(stage.workflow(), w -> new ArrayList<>()).add(view);
                });
        List<Map<String, Object>> answer = new ArrayList<>();
        byWorkflow.forEach((name, stages) -> answer.add(Map.of("name", name, "stages", stages)));
        return Map.of("workflows", answer);
    }

    private static String text(JsonNode node, String field, List<String> problems) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            problems.add(field + ": required text"
                         + (value != null && !value.isTextual() ? ", got " + ApiText.shown(value.toString()) : ""));
            return null;
        }
        return value.asText();
    }

    private static ApiException notFound(String itemId) {
        return new ApiException(404, "item_id: no file '" + itemId + "' is registered");
    }
}
