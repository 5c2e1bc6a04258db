package com.annoflow.webhookstage.payload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.workflow.PayloadShape;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.apache.camel.support.DefaultExchange;

/**
 * The {@code payload: route:<id>} shapes: a route of the integration engineer's in {@code routes/}, starting from
 * {@code direct:}, receives the darwin-v2 payload as its JSON body (and the file's main fields as variables) and
 * returns the body to send. It runs on an exchange of its own, so it cannot touch the delivery's. Whatever it returns
 * must be JSON (a JSON text, or a map, list or Jackson tree that the bundle writes as JSON); anything else, an
 * exception, or no answer within the stage's timeout is an {@link InvalidPayloadException}: the file's visit fails
 * with the reason, once, and no retry is made.
 */
public final class CustomShapes {

    /** The variables a shape route gets besides its body. */
    public static final List<String> VARIABLES = List.of("itemId", "itemName", "deliveryId", "workflow", "stage", "team",
            "dataset");

    private final CamelContext context;
    private final ObjectMapper json;
    private final ObjectReader strict;
    private ProducerTemplate producer;

    public CustomShapes(CamelContext context, ObjectMapper json) {
        this.context = context;
        this.json = json;
        this.strict = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    }

    /**
     * Start-up check, once the route files are loaded: every {@code route:<id>} a stage names is a route that starts from
     * {@code direct:}. Returns one message per problem, naming the stage and the fix.
     */
    public List<String> problems(Collection<StageConfig> stages) {
        List<String> problems = new ArrayList<>();
        for (StageConfig stage : stages) {
            PayloadShape shape = stage.payload();
            if (shape == null || !shape.isRoute()) {
                continue;
            }
            Route route = context.getRoute(shape.routeId());
            String where = "workflow '" + stage.workflow() + "', stage '" + stage.name() + "': field 'payload' = '"
                           + shape.label() + "'";
            if (route == null) {
                problems.add(where + " names no route; add a route with id " + shape.routeId() + " (from: direct:"
                             + shape.routeId() + ") to a file in routes/, or use payload: darwin-v2 or flat");
            } else if (!route.getEndpoint().getEndpointUri().startsWith("direct:")) {
                problems.add(where + " names a route that starts from " + route.getEndpoint().getEndpointBaseUri()
                             + "; a payload route must start from direct: (e.g. from: direct:" + shape.routeId() + ")");
            }
        }
        return problems;
    }

    /** The body the stage's route makes of {@code darwin}. */
    public JsonNode shape(StageConfig stage, WebhookPayload darwin) {
        String routeId = stage.payload().routeId();
        Route route = context.getRoute(routeId);
        if (route == null) {
            throw invalid(routeId, "no such route is loaded");
        }
        Exchange exchange = new DefaultExchange(context);
        try {
            exchange.getMessage().setBody(json.writeValueAsString(darwin));
        } catch (JsonProcessingException e) {
            throw invalid(routeId, "the darwin-v2 payload could not be written (" + e.getOriginalMessage() + ")");
        }
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        SourceInfo source = darwin.item().sourceInfo();
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("itemId", source.itemId());
        variables.put("itemName", darwin.item().name());
        variables.put("deliveryId", darwin.deliveryId());
        variables.put("workflow", darwin.workflow().name());
        variables.put("stage", darwin.stage().name());
        variables.put("team", source.team() == null ? null : source.team().name());
        variables.put("dataset", source.dataset() == null ? null : source.dataset().name());
        variables.forEach(exchange::setVariable);

        Exchange answer = run(route, exchange, stage, routeId);
        if (answer.getException() != null) {
            Throwable cause = answer.getException();
            throw invalid(routeId, "it failed with " + cause.getClass().getSimpleName()
                                   + (cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage())));
        }
        return asJson(routeId, answer.getMessage().getBody());
    }

    private Exchange run(Route route, Exchange exchange, StageConfig stage, String routeId) {
        long timeout = stage.timeoutMillis() > 0 ? stage.timeoutMillis() : 10_000;
        Future<Exchange> answer = producer().asyncSend(route.getEndpoint(), exchange);
        try {
            return answer.get(timeout, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw invalid(routeId, "it did not answer within the stage timeout of " + timeout + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw invalid(routeId, "interrupted");
        } catch (ExecutionException e) {
            throw invalid(routeId, "it failed with " + e.getCause());
        }
    }

    private JsonNode asJson(String routeId, Object body) {
        if (body == null) {
            throw invalid(routeId, "it returned no body; a payload route must leave the JSON to send as its body");
        }
        JsonNode node;
        if (body instanceof String || body instanceof byte[]) {
            try {
                node = body instanceof String text ? strict.readTree(text) : strict.readTree((byte[]) body);
            } catch (IOException e) {
                String text = body instanceof String t ? t : new String((byte[]) body, StandardCharsets.UTF_8);
                throw invalid(routeId, "it returned a body that is not JSON (" + firstLine(e.getMessage()) + "), starting '"
                                       + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'");
            }
            if (node == null || node.isMissingNode()) {
                throw invalid(routeId, "it returned an empty body; a payload route must leave the JSON to send as its body");
            }
        } else if (body instanceof JsonNode tree) {
            node = tree;
        } else if (body instanceof Map || body instanceof Collection) {
            node = json.valueToTree(body);
        } else {
            throw invalid(routeId, "it returned a " + body.getClass().getName() + "; return JSON text, a map or a list");
        }
        if (!node.isObject() && !node.isArray()) {
            throw invalid(routeId, "it returned " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                                   + " JSON; the body to send must be a JSON object or array");
        }
        return node;
    }

    private synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = context.createProducerTemplate();
        }
        return producer;
    }

    private static InvalidPayloadException invalid(String routeId, String why) {
        return new InvalidPayloadException(List.of("payload route " + routeId + ": " + why));
    }

    private static String firstLine(String message) {
        String line = message.lines().findFirst().orElse(message);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
