package com.annoflow.webhookstage.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), one
 * per configured secret, space-separated, so receivers keep verifying while a secret is rotated.
 */
public final class WebhookSigner {

    public static final String PREFIX = "whsec_";

    private final List<byte[]> keys;

    private WebhookSigner(List<byte[]> keys) {
        this.keys = keys;
    }

    /** @param secrets {@code whsec_…} secrets, the current one first; validated by {@link #problem(String)} */
    public static WebhookSigner of(List<String> secrets) {
        return new WebhookSigner(secrets.stream().map(WebhookSigner::key).toList());
    }

    /** Why a secret cannot be used, or null when it can. Never repeats the secret. */
    public static String problem(String secret) {
        if (!secret.startsWith(PREFIX)) {
            return "must start with " + PREFIX + " followed by base64 of 24 to 64 random bytes";
        }
        try {
            int length = key(secret).length;
            return length < 24 || length > 64 ? "must hold 24 to 64 random bytes after " + PREFIX + ", it holds " + length : null;
        } catch (IllegalArgumentException e) {
            return "is not valid base64 after " + PREFIX;
        }
    }

    public String sign(String webhookId, long timestampSeconds, byte[] body) {
        byte[] prefix = (webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
        StringJoiner signatures = new StringJoiner(" ");
        for (byte[] key : keys) {
            signatures.add("v1," + Base64.getEncoder().encodeToString(hmac(key, prefix, body)));
        }
        return signatures.toString();
    }

    static byte[] hmac(byte[] key, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    static byte[] key(String secret) {
        return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
    }
}
