package com.annoflow.webhookstage.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.annoflow.webhookstage.workflow.OAuth2Client;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.TargetUrls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.entity.UrlEncodedFormEntity;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.NameValuePair;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.http.message.BasicNameValuePair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens of the stages that use {@code oauth2} (the client credentials grant, RFC 6749 section 4.4): fetched
 * on first use, kept until shortly before they expire, and dropped when a receiver refuses one (HTTP 401), so that the
 * next request fetches a new one. One fetch at a time per stage: deliveries that need a token meanwhile wait for that
 * fetch instead of each asking. Fetched through the stage's own connection pool, so the SSRF guard, the trust store and
 * the stage's client certificate apply to the token endpoint as to the receiver. Tokens and the client secret are never
 * logged.
 */
public final class OAuth2Tokens {

    /** A token is renewed this long before it expires at most (half its lifetime when that is shorter). */
    static final Duration RENEW_EARLY = Duration.ofSeconds(60);
    private static final int MOST_ANSWER_BYTES = 64 * 1024;
    /** RFC 6750's b64token: what may follow "Bearer " in a header. */
    private static final Pattern HEADER_SAFE = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");

    private final OutboundHttp outbound;
    private final Clock clock;
    private final ObjectMapper json;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    public OAuth2Tokens(OutboundHttp outbound, Clock clock, ObjectMapper json) {
        this.outbound = outbound;
        this.clock = clock;
        this.json = json;
    }

    /** The stage's current token, fetched when there is none or it is about to expire. */
    public String token(StageConfig stage) throws TokenUnavailableException {
        Slot slot = slots.computeIfAbsent(stage.qualifiedName(), name -> new Slot());
        synchronized (slot) {
            Instant now = clock.instant();
            if (slot.token == null || (slot.renewAt != null && !now.isBefore(slot.renewAt))) {
                slot.token = null;
                Fetched fetched = fetch(stage);
                slot.token = fetched.token;
                slot.renewAt = fetched.lifetime == null ? null : now.plus(fetched.lifetime)
                        .minus(min(RENEW_EARLY, fetched.lifetime.dividedBy(2)));
                LOG.info("stage {}: got an OAuth2 token from {} ({})", stage.qualifiedName(),
                        TargetUrls.masked(stage.oauth2().tokenUrl()), fetched.lifetime == null
                                ? "no expires_in: kept until a receiver refuses it"
                                : "expires in " + fetched.lifetime.toSeconds() + " s, renewed at " + slot.renewAt);
            }
            return slot.token;
        }
    }

    /** A receiver refused {@code token} (401): drop it, unless another request already replaced it. */
    public void refused(StageConfig stage, String token) {
        Slot slot = slots.get(stage.qualifiedName());
        if (slot != null) {
            synchronized (slot) {
                if (token.equals(slot.token)) {
                    slot.token = null;
                }
            }
        }
    }

    /** The stage's token now, for redaction: a receiver that echoes the request must not put it in the delivery log. */
    public List<String> current(StageConfig stage) {
        Slot slot = slots.get(stage.qualifiedName());
        String token = slot == null ? null : slot.token;
        return token == null ? List.of() : List.of(token);
    }

    private Fetched fetch(StageConfig stage) throws TokenUnavailableException {
        OAuth2Client client = stage.oauth2();
        String where = "OAuth2 token endpoint " + TargetUrls.masked(client.tokenUrl());
        List<NameValuePair> form = new ArrayList<>();
        form.add(new BasicNameValuePair("grant_type", "client_credentials"));
        if (client.scope() != null) {
            form.add(new BasicNameValuePair("scope", client.scope()));
        }
        ClassicRequestBuilder request = ClassicRequestBuilder.post(client.tokenUrl()).addHeader("Accept", "application/json");
        if (client.authentication() == OAuth2Client.ClientAuthentication.POST) {
            form.add(new BasicNameValuePair("client_id", client.clientId()));
            form.add(new BasicNameValuePair("client_secret", client.clientSecret()));
        } else {
            request.addHeader("Authorization", basic(client));
        }
        request.setEntity(new UrlEncodedFormEntity(form, StandardCharsets.UTF_8));
        ClassicHttpRequest post = request.build();
        long timeout = Math.max(1, stage.timeoutMillis());
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(timeouts(timeout));
        Answer answer;
        try {
            answer = outbound.clientOf(stage).execute(post, context, response -> {
                byte[] body = new byte[0];
                if (response.getEntity() != null) {
                    try (InputStream in = response.getEntity().getContent()) {
                        body = in.readNBytes(MOST_ANSWER_BYTES);
                    }
                }
                return new Answer(response.getCode(), body);
            });
        } catch (BlockedTargetException e) {
            throw new TokenUnavailableException(where + " is blocked: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TokenUnavailableException(where + " gave no answer (" + e.getClass().getSimpleName()
                                                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        JsonNode body = parse(answer.body);
        if (answer.status < 200 || answer.status >= 300) {
            String error = body == null ? null : body.path("error").asText(null);
            String description = body == null ? null : body.path("error_description").asText(null);
            String detail = error == null ? "" : " (error: " + cut(error, 60)
                                                + (description == null ? "" : ", " + cut(description, 200)) + ")";
            String hint = answer.status == 400 || answer.status == 401 || answer.status == 403
                    ? "; check the stage's oauth2 client_id, client_secret and scope"
                    : "";
            throw new TokenUnavailableException(where + " answered HTTP " + answer.status + detail + hint);
        }
        String token = body == null ? null : body.path("access_token").asText(null);
        if (token == null || token.isEmpty()) {
            throw new TokenUnavailableException(where + " answered HTTP " + answer.status + " without an access_token in a"
                                                + " JSON object; check the stage's oauth2 token_url");
        }
        if (!HEADER_SAFE.matcher(token).matches()) {
            throw new TokenUnavailableException(where + " answered an access_token (not shown) that cannot be sent in an"
                                                + " Authorization header");
        }
        String type = body.path("token_type").asText("bearer");
        if (!type.equalsIgnoreCase("bearer")) {
            throw new TokenUnavailableException(where + " answered a token of type '" + cut(type, 30) + "'; the bundle"
                                                + " sends bearer tokens only");
        }
        JsonNode expiresIn = body.get("expires_in");
        Duration lifetime = null;
        if (expiresIn != null && (expiresIn.isNumber() || expiresIn.asText().matches("\\d{1,9}"))) {
            lifetime = Duration.ofSeconds(Math.max(1, expiresIn.asLong()));
        }
        return new Fetched(token, lifetime);
    }

    /** The stage's timeout bounds each step of the fetch, as it bounds a delivery. */
    @SuppressWarnings("deprecation") // a per-request connect timeout, as camel-http sets it too
    private static RequestConfig timeouts(long millis) {
        return RequestConfig.custom()
                .setConnectionRequestTimeout(millis, TimeUnit.MILLISECONDS)
                .setConnectTimeout(millis, TimeUnit.MILLISECONDS)
                .setResponseTimeout(millis, TimeUnit.MILLISECONDS)
                .build();
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode node = json.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code client_secret_basic}: id and secret form-encoded, then Base64 (RFC 6749 section 2.3.1). */
    static String basic(OAuth2Client client) {
        String pair = URLEncoder.encode(client.clientId(), StandardCharsets.UTF_8) + ":"
                      + URLEncoder.encode(client.clientSecret(), StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String cut(String text, int max) {
        String line = text.replaceAll("\\p{Cntrl}", " ");
        return line.length() <= max ? line : line.substring(0, max) + "…";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static final class Slot {
        private String token;
        /** When to fetch a new one; null: when a receiver refuses this one. */
        private Instant renewAt;
    }

    private record Fetched(String token, Duration lifetime) {
    }

    private record Answer(int status, byte[] body) {
    }
}
