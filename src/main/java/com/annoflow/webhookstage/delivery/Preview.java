package com.annoflow.webhookstage.delivery;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.annoflow.webhookstage.payload.PayloadBuilder;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.TargetUrls;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultExchange;

/**
 * What a stage would send for a file, built by the same code as a delivery (payload shape, headers, signature) and sent
 * nowhere: the exact body, and the request headers with every secret masked (Authorization, the stage's own header
 * values, the signature, which would let its holder replay the request).
 */
public final class Preview {

    static final String MASKED = "****";

    private final CamelContext context;
    private final PayloadBuilder payloads;
    private final Attempts attempts;

    public Preview(CamelContext context, PayloadBuilder payloads, Attempts attempts) {
        this.context = context;
        this.payloads = payloads;
        this.attempts = attempts;
    }

    /** The request for {@code itemId} in {@code stage} under {@code deliveryId}; a payload that cannot be built throws. */
    public Request of(StageConfig stage, String itemId, String deliveryId) {
        byte[] body = payloads.body(new Visit(itemId, stage.id(), deliveryId, 0, null, null), stage);
        Message request = new DefaultExchange(context).getMessage();
        attempts.prepareRequest(request, stage, deliveryId, body);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        request.getHeaders().forEach((name, value) -> {
            if (name.startsWith("Camel")) {
                return; // how Camel is told where and how to send, not headers of the request
            }
            headers.put(name, isSecret(stage, name) ? MASKED : String.valueOf(value));
        });
        if (stage.usesOAuth2()) {
            headers.put("Authorization", MASKED); // "Bearer" and the stage's current token, added as the request is sent
        }
        return new Request(TargetUrls.masked(stage.url()), new String(body, StandardCharsets.UTF_8), headers);
    }

    private static boolean isSecret(StageConfig stage, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals("authorization") || lower.equals("webhook-signature")
               || stage.headers().keySet().stream().anyMatch(name::equalsIgnoreCase);
    }

    /** The request as it would go out: its target (path and query masked), the exact body, the headers masked. */
    public record Request(String url, String body, Map<String, String> headers) {
    }
}
