package com.annoflow.webhookstage.api;

import java.util.List;
import java.util.Map;

import com.annoflow.webhookstage.access.ApiKeys;
import com.annoflow.webhookstage.access.Caller;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.apache.camel.model.rest.RestBindingMode;
import org.apache.camel.model.rest.RestDefinition;

/**
 * Engine routes: the bundle's HTTP API on Camel's platform-http server ({@code camel.server.*}). Every route reads its
 * request through {@link ApiRequest} (the {@code Authorization} and {@code Content-Type} headers, its path parameters,
 * its documented query parameters, the body) and drops every Camel header the request brought, so nothing a caller
 * sends can steer the bundle. Refusals answer 4xx with {@code {"error": "..."}} naming the field; unexpected errors
 * answer 500 without internals.
 */
public final class ApiRoutes extends RouteBuilder {

    /** What an endpoint answers for an authenticated request. */
    @FunctionalInterface
    interface Answer {
        Object to(ApiRequest request, Caller caller) throws Exception;
    }

    /** One endpoint of the API: its method and path under /api, its route id, its status on success, its answer. */
    record Endpoint(String method, String path, String routeId, int status, Answer answer) {
    }

    private final List<Endpoint> endpoints;
    private final ApiKeys keys;
    private final ApiInput input;
    private final ObjectMapper json;

    public ApiRoutes(FilesApi files, KeysApi apiKeys, StagesApi stages, WorkflowsApi workflows, ApiKeys keys, ApiLimits limits,
            ObjectMapper json) {
        this.keys = keys;
        this.input = new ApiInput(limits);
        this.json = json;
        String stage = "/workflows/{workflow}/stages/{stage}";
        this.endpoints = List.of(
                new Endpoint("POST", "/files", "api-register-files", 201, (r, c) -> files.register(r.json(), c)),
                new Endpoint("POST", "/assignments", "api-assign", 200, (r, c) -> files.assign(r.json(), c)),
                new Endpoint("GET", "/files/{itemId}", "api-file", 200, (r, c) -> files.file(r.path("itemId"), c)),
                new Endpoint("DELETE", "/files/{itemId}", "api-delete-file", 200, (r, c) -> files.delete(r.path("itemId"), c)),
                new Endpoint("GET", "/files/{itemId}/deliveries", "api-file-deliveries", 200,
                        (r, c) -> files.deliveries(r.path("itemId"), c)),
                new Endpoint("GET", "/workflows", "api-workflows", 200, (r, c) -> workflows.workflows(c)),
                new Endpoint("GET", "/whoami", "api-whoami", 200, (r, c) -> apiKeys.whoAmI(c)),
                new Endpoint("POST", "/keys", "api-create-key", 201, (r, c) -> apiKeys.createKey(r.json(), c)),
                new Endpoint("GET", "/keys", "api-keys", 200, (r, c) -> apiKeys.keys(c)),
                new Endpoint("DELETE", "/keys/{name}", "api-revoke-key", 200, (r, c) -> apiKeys.revokeKey(r.path("name"), c)),
                new Endpoint("GET", stage + "/deliveries", "api-stage-deliveries", 200,
                        (r, c) -> stages.stageDeliveries(r.path("workflow"), r.path("stage"), r.query("since"), c)),
                new Endpoint("POST", "/redeliveries", "api-redeliver", 200, (r, c) -> files.redeliver(r.json(), c)),
                new Endpoint("POST", "/files/{itemId}/retry-now", "api-retry-file-now", 200,
                        (r, c) -> files.retryFileNow(r.path("itemId"), c)),
                new Endpoint("POST", stage + "/retry-now", "api-retry-stage-now", 200,
                        (r, c) -> stages.retryStageNow(r.path("workflow"), r.path("stage"), c)),
                new Endpoint("POST", stage + "/ping", "api-ping", 200, (r, c) -> stages.ping(r.path("workflow"), r.path("stage"), c)),
                new Endpoint("GET", stage + "/preview", "api-preview", 200, (r, c) -> stages.preview(r.path("workflow"),
                        r.path("stage"), r.query("file_id"), r.query("delivery_id"), c)),
                new Endpoint("GET", stage + "/summary", "api-stage-summary", 200,
                        (r, c) -> stages.summary(r.path("workflow"), r.path("stage"), c)),
                new Endpoint("GET", stage + "/files", "api-stage-files", 200, (r, c) -> stages.files(r.path("workflow"),
                        r.path("stage"), r.query("status"), r.query("limit"), r.query("offset"), c)),
                new Endpoint("GET", stage + "/health", "api-stage-health", 200,
                        (r, c) -> stages.health(r.path("workflow"), r.path("stage"), c)),
                new Endpoint("POST", stage + "/pause", "api-pause", 200,
                        (r, c) -> stages.pause(r.path("workflow"), r.path("stage"), r.jsonIfAny(), c)),
                new Endpoint("POST", stage + "/resume", "api-resume", 200,
                        (r, c) -> stages.resume(r.path("workflow"), r.path("stage"), c)));
    }

    @Override
    public void configure() {
        restConfiguration().component("platform-http").bindingMode(RestBindingMode.off);

        onException(ApiException.class).handled(true)
                .process(e -> answer(e, e.getProperty(Exchange.EXCEPTION_CAUGHT, ApiException.class).status(),
                        Map.of("error", e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage())));
        onException(Exception.class).handled(true)
                .log(LoggingLevel.ERROR, "webhook.api", "API request failed: ${exception.message}")
                .process(e -> answer(e, 500, Map.of("error", "internal error; see the bundle's log")));

        RestDefinition api = rest("/api");
        for (Endpoint endpoint : endpoints) {
            String to = "direct:" + endpoint.routeId();
            switch (endpoint.method()) {
                case "POST" -> api.post(endpoint.path()).to(to);
                case "DELETE" -> api.delete(endpoint.path()).to(to);
                default -> api.get(endpoint.path()).to(to);
            }
            from(to).routeId(endpoint.routeId()).process(e -> handle(e, endpoint));
        }
    }

    /** Reads the request from the HTTP request itself, authenticates its caller, and answers. */
    private void handle(Exchange exchange, Endpoint endpoint) throws Exception {
        HttpMessage http = exchange.getIn(HttpMessage.class);
        if (http == null) {
            throw new IllegalStateException("route " + endpoint.routeId() + " was reached without an HTTP request");
        }
        byte[] body = "GET".equals(endpoint.method()) ? null : exchange.getIn().getBody(byte[].class);
        // query parameters and headers the server copied into Camel headers: none of them is read, none may steer
        exchange.getIn().removeHeaders("*");
        exchange.getIn().setBody(null);
        ApiRequest request = ApiRequest.of(http.getRequest(), "/api" + endpoint.path(), body, input);
        answer(exchange, endpoint.status(), endpoint.answer().to(request, caller(request)));
    }

    /** Every request names its caller with {@code Authorization: Bearer <API key>}, in that header and nowhere else. */
    private Caller caller(ApiRequest request) {
        String header = request.authorization();
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            throw new ApiException(401, "Authorization: send 'Authorization: Bearer <API key>'; an admin creates keys"
                                        + " with POST /api/keys");
        }
        String key = header.substring(7).trim();
        if (key.isEmpty() || key.length() > 200 || ApiText.firstControl(key) >= 0) {
            throw new ApiException(401, "Authorization: unknown or revoked API key");
        }
        return keys.find(key).orElseThrow(() -> new ApiException(401, "Authorization: unknown or revoked API key"));
    }

    private void answer(Exchange exchange, int status, Object body) throws Exception {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(json.writeValueAsBytes(body));
    }
}
