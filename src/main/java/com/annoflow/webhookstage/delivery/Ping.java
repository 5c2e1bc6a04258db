package com.annoflow.webhookstage.delivery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.annoflow.webhookstage.payload.WebhookPayload;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Sends a test payload to a stage's URL the way a delivery would (same connection pool, SSRF guard, headers and
 * signature) without touching any file, and says what came back. Nothing is written to the delivery log.
 */
public final class Ping {

    private static final String ENDPOINT = "http://webhook-stage?followRedirects=false&throwExceptionOnFailure=false"
                                           + "&copyHeaders=false&connectTimeout=%d&responseTimeout=%d&connectionRequestTimeout=%d";

    private final Attempts attempts;
    private final ObjectMapper json;
    private final ProducerTemplate producer;
    private final Redaction redaction;

    public Ping(CamelContext context, Attempts attempts, ObjectMapper json, Redaction redaction) {
        this.attempts = attempts;
        this.redaction = redaction;
        this.json = json;
        this.producer = context.createProducerTemplate();
    }

    public Map<String, Object> send(StageConfig stage) throws Exception {
        String deliveryId = "msg_ping_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        WebhookPayload payload = new WebhookPayload(WebhookPayload.VERSION, deliveryId,
                new WebhookPayload.Workflow(stage.workflow()), new WebhookPayload.Stage(stage.name(), stage.type().label()),
                new WebhookPayload.Item("ping", "/", new WebhookPayload.SourceInfo("00000000-0000-0000-0000-000000000000",
                        new WebhookPayload.Team("ping", "ping"), new WebhookPayload.Dataset("ping", "ping", null), null),
                        List.of()),
                stage.includeAnnotations() ? List.of() : null);
        long timeout = stage.timeoutMillis();
        long started = System.nanoTime();
        Exchange answer = producer.send(String.format(ENDPOINT, timeout, timeout, timeout),
                exchange -> attempts.prepareRequest(exchange.getMessage(), stage, deliveryId, json.writeValueAsBytes(payload)));
        long durationMs = (System.nanoTime() - started) / 1_000_000;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("delivery_id", deliveryId);
        result.put("duration_ms", durationMs);
        if (answer.getException() != null) {
            result.put("outcome", "UNANSWERED");
            result.put("error", redaction.redact(stage, answer.getException().getClass().getSimpleName() + ": "
                                                        + answer.getException().getMessage()));
            return result;
        }
        int status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        result.put("outcome", status >= 200 && status < 300 ? "DELIVERED" : "FAILED");
        result.put("http_status", status);
        String body = answer.getMessage().getBody(String.class);
        result.put("response_excerpt", body == null ? "" : redaction.redactAndCut(stage, body, 500));
        return result;
    }
}
