package com.annoflow.webhookstage.workflow;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules for a stage's own request headers ({@code headers:} in {@code config/workflow.yaml}): a valid header name
 * that the bundle does not set itself and that does not change how the request travels.
 */
public final class StageHeaders {

    /** Headers one stage may add. */
    public static final int MOST = 20;

    /** RFC 9110 token characters. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");

    /** Set by the bundle on every request, or a transport header (hop-by-hop, framing, routing). */
    private static final Set<String> RESERVED = Set.of("authorization", "content-type", "content-length", "host",
            "user-agent", "connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
            "te", "trailer", "transfer-encoding", "upgrade", "expect");

    private StageHeaders() {
    }

    /** Why {@code name} cannot be a stage header, or null when it can. */
    public static String refusal(String name) {
        if (!TOKEN.matcher(name).matches()) {
            return "is not a valid header name (letters, digits and !#$%&'*+.^_`|~- only, at most 100)";
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("authorization")) {
            return "is set with the stage's own field 'authorization'; move the value there";
        }
        if (lower.startsWith("webhook-")) {
            return "is reserved: the bundle sets the webhook-* headers (webhook-id, webhook-timestamp, webhook-signature);"
                   + " choose another name, e.g. X-" + name.substring("webhook-".length());
        }
        if (lower.startsWith("camel")) {
            return "is reserved: Camel* names steer Camel's HTTP component, not the receiver; choose another name";
        }
        if (RESERVED.contains(lower)) {
            return "is reserved: the bundle sets it or it changes how the request travels (" + name
                   + "); remove it or choose another name";
        }
        return null;
    }

    /** One line of visible text or spaces and tabs: no CR, LF or other control character. */
    public static boolean isValidValue(String value) {
        return value.chars().noneMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f);
    }

    /** A name as a message may show it: control characters replaced, cut to 100 characters. */
    public static String shown(String name) {
        String visible = name.replaceAll("\\p{Cntrl}", "?");
        return visible.length() > 100 ? visible.substring(0, 100) + "…" : visible;
    }
}
