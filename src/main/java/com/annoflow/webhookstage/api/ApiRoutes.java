package com.annoflow.webhookstage.api;

import java.util.Map;

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
    private final ObjectMapper json;

    public ApiRoutes(FileApi api, ObjectMapper json) {
        this.api = api;
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
                .get("/workflows").to("direct:api-workflows");

        from("direct:api-register-files").routeId("api-register-files")
                .process(e -> answer(e, 201, api.register(e.getMessage().getBody(String.class))));
        from("direct:api-assign").routeId("api-assign")
                .process(e -> answer(e, 200, api.assign(e.getMessage().getBody(String.class), "api")));
        from("direct:api-file").routeId("api-file")
                .process(e -> answer(e, 200, api.file(e.getMessage().getHeader("itemId", String.class))));
        from("direct:api-file-deliveries").routeId("api-file-deliveries")
                .process(e -> answer(e, 200, api.deliveries(e.getMessage().getHeader("itemId", String.class))));
        from("direct:api-workflows").routeId("api-workflows")
                .process(e -> answer(e, 200, api.workflows()));
    }

    private void answer(Exchange exchange, int status, Object body) throws Exception {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(json.writeValueAsBytes(body));
    }
}
