package com.annoflow.webhookstage.api;

import java.util.Map;

import com.annoflow.webhookstage.access.ApiKeys;
import com.annoflow.webhookstage.access.Caller;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestBindingMode;

/**
 * Engine routes: the bundle's HTTP API on Camel's platform-http server ({@code camel.server.*}). Refusals answer 4xx
 * with {@code {"error": "..."}} naming the field; unexpected errors answer 500 without internals.
 */
public final class ApiRoutes extends RouteBuilder {

    private final FileApi api;
    private final ApiKeys keys;
    private final ObjectMapper json;

    public ApiRoutes(FileApi api, ApiKeys keys, ObjectMapper json) {
        this.api = api;
        this.keys = keys;
        this.json = json;
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

        rest("/api")
                .post("/files").to("direct:api-register-files")
                .post("/assignments").to("direct:api-assign")
                .get("/files/{itemId}").to("direct:api-file")
                .get("/files/{itemId}/deliveries").to("direct:api-file-deliveries")
                .get("/workflows").to("direct:api-workflows")
                .post("/keys").to("direct:api-create-key")
                .get("/keys").to("direct:api-keys")
                .delete("/keys/{name}").to("direct:api-revoke-key")
                .get("/workflows/{workflow}/stages/{stage}/deliveries").to("direct:api-stage-deliveries")
                .post("/redeliveries").to("direct:api-redeliver")
                .post("/workflows/{workflow}/stages/{stage}/ping").to("direct:api-ping")
                .get("/workflows/{workflow}/stages/{stage}/health").to("direct:api-stage-health")
                .post("/workflows/{workflow}/stages/{stage}/pause").to("direct:api-pause")
                .post("/workflows/{workflow}/stages/{stage}/resume").to("direct:api-resume");

        from("direct:api-register-files").routeId("api-register-files")
                .process(e -> answer(e, 201, api.register(body(e), caller(e))));
        from("direct:api-assign").routeId("api-assign")
                .process(e -> answer(e, 200, api.assign(body(e), caller(e))));
        from("direct:api-file").routeId("api-file")
                .process(e -> answer(e, 200, api.file(header(e, "itemId"), caller(e))));
        from("direct:api-file-deliveries").routeId("api-file-deliveries")
                .process(e -> answer(e, 200, api.deliveries(header(e, "itemId"), caller(e))));
        from("direct:api-workflows").routeId("api-workflows")
                .process(e -> answer(e, 200, api.workflows(caller(e))));
        from("direct:api-create-key").routeId("api-create-key")
                .process(e -> answer(e, 201, api.createKey(body(e), caller(e))));
        from("direct:api-keys").routeId("api-keys")
                .process(e -> answer(e, 200, api.keys(caller(e))));
        from("direct:api-revoke-key").routeId("api-revoke-key")
                .process(e -> answer(e, 200, api.revokeKey(header(e, "name"), caller(e))));
        stageAndRedeliveryRoutes();
    }

    private void stageAndRedeliveryRoutes() {
        from("direct:api-stage-deliveries").routeId("api-stage-deliveries")
                .process(e -> answer(e, 200, api.stageDeliveries(header(e, "workflow"), header(e, "stage"),
                        header(e, "since"), caller(e))));
        from("direct:api-redeliver").routeId("api-redeliver")
                .process(e -> answer(e, 200, api.redeliver(body(e), caller(e))));
        from("direct:api-ping").routeId("api-ping")
                .process(e -> answer(e, 200, api.ping(header(e, "workflow"), header(e, "stage"), caller(e))));
        from("direct:api-stage-health").routeId("api-stage-health")
                .process(e -> answer(e, 200, api.health(header(e, "workflow"), header(e, "stage"), caller(e))));
        from("direct:api-pause").routeId("api-pause")
                .process(e -> answer(e, 200, api.pause(header(e, "workflow"), header(e, "stage"), body(e), caller(e))));
        from("direct:api-resume").routeId("api-resume")
                .process(e -> answer(e, 200, api.resume(header(e, "workflow"), header(e, "stage"), caller(e))));
    }

    /** Every request names its caller with {@code Authorization: Bearer <API key>}; the header is dropped at once. */
    private Caller caller(Exchange exchange) {
        String header = exchange.getMessage().getHeader("Authorization", String.class);
        exchange.getMessage().removeHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            throw new ApiException(401, "Authorization: send 'Authorization: Bearer <API key>'; an admin creates keys"
                                        + " with POST /api/keys");
        }
        return keys.find(header.substring(7).trim())
                .orElseThrow(() -> new ApiException(401, "Authorization: unknown or revoked API key"));
    }

    private static String body(Exchange exchange) {
        return exchange.getMessage().getBody(String.class);
    }

    private static String header(Exchange exchange, String name) {
        return exchange.getMessage().getHeader(name, String.class);
    }

    private void answer(Exchange exchange, int status, Object body) throws Exception {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(json.writeValueAsBytes(body));
    }
}
