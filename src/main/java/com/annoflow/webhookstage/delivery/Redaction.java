package com.annoflow.webhookstage.delivery;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.annoflow.webhookstage.workflow.StageConfig;

/**
 * Takes a stage's secrets out of text a receiver or a connection error produced, before it is stored, logged or shown:
 * a receiver that echoes request headers put the Authorization value into the delivery log's response excerpt and into
 * API answers. A stage's secrets are its Authorization value (and the credential after its scheme), its signing
 * secrets, its OAuth2 client secret and current token, and its URL's path and query (a Zapier Catch Hook URL is its own credential), as sent and as a receiver may
 * echo them (percent-encoded, with JSON's escaped slashes).
 */
public final class Redaction {

    public static final String MASK = "[redacted]";
    /** Shorter values are not looked for: a path such as "/a" would blot out every "/a" of an answer. */
    private static final int SHORTEST = 6;

    private final Map<Long, List<String>> secretsByStage = new ConcurrentHashMap<>();
    /** Secrets that change while the bundle runs: a stage's current OAuth2 token. */
    private final Function<StageConfig, List<String>> liveSecrets;

    public Redaction(Function<StageConfig, List<String>> liveSecrets) {
        this.liveSecrets = liveSecrets;
    }

    /** {@code text} with every secret of {@code stage} replaced by {@value #MASK}; null stays null. */
    public String redact(StageConfig stage, String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String redacted = text;
        for (String secret : everySecret(stage)) {
            redacted = redacted.replace(secret, MASK);
        }
        return redacted;
    }

    /**
     * As {@link #redact}, then cut to {@code max} characters, and a cut that leaves the start of a secret at the end of
     * the excerpt drops that start too.
     */
    public String redactAndCut(StageConfig stage, String text, int max) {
        String redacted = redact(stage, text);
        if (redacted == null || redacted.length() <= max) {
            return redacted;
        }
        String cut = redacted.substring(0, max);
        for (String secret : everySecret(stage)) {
            for (int k = Math.min(secret.length() - 1, cut.length()); k >= SHORTEST / 2; k--) {
                if (cut.endsWith(secret.substring(0, k))) {
                    return cut.substring(0, cut.length() - k) + MASK;
                }
            }
        }
        return cut;
    }

    /** The longest secret of the stage: how far past an excerpt's end a secret can reach. */
    public int longestSecret(StageConfig stage) {
        return everySecret(stage).stream().mapToInt(String::length).max().orElse(0);
    }

    /** The live secrets (longer than the configured ones: a token holds no other secret), then the configured ones. */
    private List<String> everySecret(StageConfig stage) {
        List<String> live = liveSecrets.apply(stage);
        if (live.isEmpty()) {
            return secretsOf(stage);
        }
        List<String> all = new ArrayList<>(live);
        all.addAll(secretsOf(stage));
        return all;
    }

    private List<String> secretsOf(StageConfig stage) {
        return secretsByStage.computeIfAbsent(stage.id(), id -> collect(stage));
    }

    private static List<String> collect(StageConfig stage) {
        Set<String> values = new LinkedHashSet<>();
        if (stage.hasAuthorization()) {
            String authorization = stage.authorization();
            values.add(authorization);
            int space = authorization.indexOf(' ');
            if (space > 0) {
                values.add(authorization.substring(space + 1).trim());
            }
        }
        if (stage.usesOAuth2()) {
            values.add(stage.oauth2().clientSecret());
        }
        // every stage header value counts as a secret (an API key is one); only their names are ever shown
        if (stage.headers() != null) {
            values.addAll(stage.headers().values());
        }
        for (String secret : stage.signingSecrets() == null ? List.<String>of() : stage.signingSecrets()) {
            values.add(secret);
            values.add(secret.substring(secret.indexOf('_') + 1));
        }
        if (stage.url() != null) {
            String path = stage.url().getRawPath();
            String query = stage.url().getRawQuery();
            if (path != null) {
                values.add(path);
                values.add(URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
            if (query != null) {
                values.add(query);
                for (String pair : query.split("&")) {
                    values.add(pair.substring(pair.indexOf('=') + 1));
                }
            }
        }
        List<String> secrets = new ArrayList<>();
        for (String value : values) {
            for (String form : List.of(value, value.replace("/", "\\/"), URLEncoder.encode(value, StandardCharsets.UTF_8))) {
                if (form.length() >= SHORTEST && !secrets.contains(form)) {
                    secrets.add(form);
                }
            }
        }
        // longest first: a secret that contains another is masked whole
        secrets.sort(Comparator.comparingInt(String::length).reversed());
        return List.copyOf(secrets);
    }
}
