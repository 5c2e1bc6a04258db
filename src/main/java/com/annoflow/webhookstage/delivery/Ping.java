package com.annoflow.webhookstage.delivery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.annoflow.webhookstage.files.Dataset;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.files.Team;
import com.annoflow.webhookstage.outbound.TokenUnavailableException;
import com.annoflow.webhookstage.payload.PayloadBuilder;
import com.annoflow.webhookstage.payload.WebhookPayload;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Sends a test payload (a made-up file named "ping", in the stage's payload shape) to a stage's target through the
 * routes a delivery goes through ({@code webhook-post}: the same connection pool, SSRF guard, headers, signature and
 * OAuth2 token; or {@code webhook-send-to-endpoint}) without touching any file, and says what came back. Nothing is
 * written to the delivery log.
 */
public final class Ping {

    /** How a ping's (and an endpoint probe's) delivery id starts, so a receiver can tell a test from a delivery. */
    public static final String DELIVERY_ID_PREFIX = "msg_ping_";

    /** Marks a ping or a probe, never a delivery: receivers and routes may drop such requests. */
    public static final String TEST_HEADER = "webhook-test";

    private final Attempts attempts;
    private final ObjectMapper json;
    private final ProducerTemplate producer;
    private final Redaction redaction;
    private final PayloadBuilder payloads;

    public Ping(CamelContext context, Attempts attempts, PayloadBuilder payloads, ObjectMapper json, Redaction redaction) {
        this.attempts = attempts;
        this.payloads = payloads;
        this.redaction = redaction;
        this.json = json;
        this.producer = context.createProducerTemplate();
    }

    public Map<String, Object> send(StageConfig stage) throws Exception {
        String deliveryId = DELIVERY_ID_PREFIX + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        WebhookPayload darwin = new WebhookPayload(WebhookPayload.VERSION, WebhookPayload.SCHEMA_REF, deliveryId,
                new WebhookPayload.Workflow(stage.workflow()), new WebhookPayload.Stage(stage.name(), stage.type().label()),
                new Item("ping", "/", new SourceInfo("00000000-0000-0000-0000-000000000000",
                        new Team("ping", "ping"), new Dataset("ping", "ping", null), null),
                        List.of()),
                stage.includeAnnotations() ? List.of() : null);
        // in the stage's shape (a payload route makes its body from this one too); a shape that fails is the answer
        byte[] body;
        try {
            body = json.writeValueAsBytes(payloads.shape(stage, darwin));
        } catch (RuntimeException e) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("delivery_id", deliveryId);
            result.put("outcome", "INVALID_PAYLOAD");
            result.put("error", redaction.redact(stage, e.getMessage()));
            return result;
        }
        long started = System.nanoTime();
        // a Camel endpoint gets the ping as it gets deliveries; webhook-test lets any receiver (or route) drop it
        Exchange answer = producer.send(stage.isHttpTarget() ? "direct:webhook-post" : "direct:webhook-send-to-endpoint",
                exchange -> {
                    attempts.aimAt(exchange, stage);
                    attempts.prepareRequest(exchange.getMessage(), stage, deliveryId, body);
                    exchange.getMessage().setHeader(TEST_HEADER, "true");
                });
        long durationMs = (System.nanoTime() - started) / 1_000_000;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("delivery_id", deliveryId);
        result.put("duration_ms", durationMs);
        Exception unanswered = answer.getException() != null ? answer.getException() : DeliveryExchange.of(answer).unanswered();
        if (unanswered != null) {
            result.put("outcome", "UNANSWERED");
            result.put("error", redaction.redact(stage, unanswered instanceof TokenUnavailableException
                    ? unanswered.getMessage() : unanswered.getClass().getSimpleName() + ": " + unanswered.getMessage()));
            return result;
        }
        Integer answered = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (!stage.isHttpTarget() && answered == null) {
            result.put("outcome", "DELIVERED");
            return result;
        }
        int status = answered == null ? 0 : answered;
        result.put("outcome", status >= 200 && status < 300 ? "DELIVERED" : "FAILED");
        result.put("http_status", status);
        String answerBody = answer.getMessage().getBody(String.class);
        result.put("response_excerpt", answerBody == null ? "" : redaction.redactAndCut(stage, answerBody, 500));
        return result;
    }
}
