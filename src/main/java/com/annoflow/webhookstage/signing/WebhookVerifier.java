package com.annoflow.webhookstage.signing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * For Java receivers: checks a request's {@code webhook-signature} against the stage's secret, in constant time, and
 * refuses timestamps outside the tolerance (replays). Depends on nothing but the JDK; copy it or use the bundle's jar.
 */
public final class WebhookVerifier {

    private final byte[] key;
    private final Duration tolerance;
    private final Clock clock;

    public WebhookVerifier(String secret) {
        this(secret, Duration.ofMinutes(5), Clock.systemUTC());
    }

    public WebhookVerifier(String secret, Duration tolerance, Clock clock) {
        this.key = WebhookSigner.key(secret);
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /** True when one of the space-separated {@code v1,} signatures matches and the timestamp is recent. */
    public boolean verify(String webhookId, String webhookTimestamp, String webhookSignature, byte[] body) {
        if (webhookId == null || webhookTimestamp == null || webhookSignature == null) {
            return false;
        }
        long timestamp;
        try {
            timestamp = Long.parseLong(webhookTimestamp);
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(clock.instant().getEpochSecond() - timestamp) > tolerance.toSeconds()) {
            return false;
        }
        byte[] expected = WebhookSigner.hmac(key, (webhookId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), body);
        boolean match = false;
        for (String candidate : webhookSignature.trim().split(" +")) {
            if (candidate.startsWith("v1,")) {
                byte[] sent;
                try {
                    sent = Base64.getDecoder().decode(candidate.substring(3));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                match |= MessageDigest.isEqual(expected, sent);
            }
        }
        return match;
    }
}
