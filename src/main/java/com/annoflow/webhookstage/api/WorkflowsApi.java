package com.annoflow.webhookstage.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.access.Caller;
import com.annoflow.webhookstage.access.Role;
import com.annoflow.webhookstage.endpointhealth.StageCircuits;
import com.annoflow.webhookstage.workflow.RetrySchedule;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.TargetUrls;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;

/**
 * The configured workflows and their stages, as an operator reads them: secrets never shown, a target's path and
 * query to admins only.
 */
public final class WorkflowsApi {

    private final WorkflowCatalog workflows;
    private final StageCircuits circuits;

    public WorkflowsApi(WorkflowCatalog workflows, StageCircuits circuits) {
        this.workflows = workflows;
        this.circuits = circuits;
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
}
