package com.annoflow.webhookstage.delivery;

import java.util.HashMap;
import java.util.Map;

import com.annoflow.webhookstage.outbound.OAuth2Tokens;
import com.annoflow.webhookstage.outbound.TokenUnavailableException;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of {@code webhook-post} for a stage with {@code oauth2}: {@link #addToken} before the request,
 * {@link #tokenRefused} after it, and {@link #renewToken} before the one request sent again with a new token when the
 * receiver answered 401. All three do nothing for other stages. A token that cannot be had throws a
 * {@link TokenUnavailableException}, which the route takes as a request that got no answer.
 */
public final class OAuth2Steps {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");

    private final OAuth2Tokens tokens;

    public OAuth2Steps(OAuth2Tokens tokens) {
        this.tokens = tokens;
    }

    /** Authorization: Bearer with the stage's current token; the request kept in case it must go again. */
    public void addToken(Exchange exchange) throws TokenUnavailableException {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        StageConfig stage = delivery.stage();
        delivery.tokenSent(null);
        if (!stage.usesOAuth2()) {
            return;
        }
        Message request = exchange.getMessage();
        String token = tokens.token(stage);
        // the request as it was before the first send (the body a receiver answered replaces it), and its token
        delivery.tokenSent(new Sent(token, request.getBody(byte[].class), new HashMap<>(request.getHeaders()), false));
        request.setHeader("Authorization", "Bearer " + token);
    }

    /** The receiver answered 401 to the first send with a token: once per attempt, a new token is worth a try. */
    public boolean tokenRefused(Exchange exchange) {
        Sent sent = DeliveryExchange.of(exchange).tokenSent(Sent.class);
        return sent != null && !sent.again()
               && Integer.valueOf(401).equals(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
    }

    /** Drops the refused token, gets a new one and puts the request back as it was, with the new token. */
    public void renewToken(Exchange exchange) throws TokenUnavailableException {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        StageConfig stage = delivery.stage();
        Sent sent = delivery.tokenSent(Sent.class);
        tokens.refused(stage, sent.token());
        String token = tokens.token(stage);
        LOG.info("stage {}: the receiver answered 401 to its OAuth2 token; sending once more with a new one",
                stage.qualifiedName());
        Message request = exchange.getMessage();
        request.removeHeaders("*");
        request.setHeaders(new HashMap<>(sent.headers()));
        request.setBody(sent.body());
        request.setHeader("Authorization", "Bearer " + token);
        delivery.tokenSent(new Sent(token, sent.body(), sent.headers(), true));
    }

    private record Sent(String token, byte[] body, Map<String, Object> headers, boolean again) {
    }
}
