package com.annoflow.webhookstage.workflow;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the bundle accepts as a webhook target, judged by syntax alone (no DNS at start-up), and how a target is shown.
 * A target's path and query can be its credential (a Zapier Catch Hook URL is), so logs, the delivery log and every
 * API answer but an admin's show only {@code scheme://host[:port]/} and a mask.
 */
public final class TargetUrls {

    /** A host whose last label is a number (decimal, octal or hex) is an IPv4 address to every URL parser. */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("(0x[0-9a-f]*|[0-9]+)");
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    /** Stands for a path and query that are not shown. */
    public static final String MASK = "***";

    private TargetUrls() {
    }

    /**
     * Why {@code url} cannot be a webhook target, or null when it can: only absolute http(s) URLs with a host, no user
     * info (HttpClient would not send it, and a credential does not belong there), no trailing dot (a different name
     * to some resolvers), and a numeric host only as four decimal numbers ({@code 0x7f000001}, {@code 2130706433} and
     * {@code 127.1} all reach 127.0.0.1 through some parsers and not others).
     */
    public static String refusal(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getRawAuthority() == null) {
            return "must be an absolute http:// or https:// URL with a host";
        }
        if (url.getRawUserInfo() != null || url.getHost() == null && url.getRawAuthority().contains("@")) {
            return "must not carry user info before the host (a name, or name:password, and an @); send a credential"
                   + " with 'authorization' instead";
        }
        // java.net.URI leaves the host out when it is no valid host name (127.1, a_b): judge what the authority holds
        String host = (url.getHost() != null ? url.getHost() : url.getRawAuthority().replaceFirst(":[0-9]*$", ""))
                .toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            return null; // an IPv6 literal; the SSRF guard judges the address
        }
        if (host.endsWith(".")) {
            return "has a host ending in a dot ('" + host + "'); write the host without the trailing dot";
        }
        String last = host.substring(host.lastIndexOf('.') + 1);
        if (NUMERIC_LABEL.matcher(last).matches() && !DOTTED_QUAD.matcher(host).matches()) {
            return "has the numeric host '" + host + "', which is not an IPv4 address in dotted-quad form; write it as"
                   + " four decimal numbers without leading zeros (such as 192.0.2.10), or use a host name";
        }
        if (url.getHost() == null) {
            return "has the host '" + host + "', which is not a valid host name (letters, digits, '-' and dots)";
        }
        return null;
    }

    /** {@code scheme://host[:port]/} and, when there is more, a mask for the path and query. User info is never shown. */
    public static String masked(URI url) {
        if (url == null) {
            return null;
        }
        if (!isHttp(url) && url.getHost() == null) {
            // a Camel endpoint (direct:notify-slack, kafka:topic?...): its options can hold credentials
            return url.getScheme() + ":" + MASK;
        }
        String rest = (url.getRawPath() == null ? "" : url.getRawPath()) + (url.getRawQuery() == null ? "" : "?");
        return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "") + "/"
               + (rest.isEmpty() || rest.equals("/") ? "" : MASK);
    }

    /** Whether the target is an http(s) URL (else a Camel endpoint allowed by webhook.targets.allow). */
    public static boolean isHttp(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("http") || scheme.equals("https");
    }

    /** The masked form of a URL given as text; null when it has no scheme and host to show. */
    public static String masked(String url) {
        try {
            URI parsed = new URI(url);
            return parsed.getScheme() != null && (parsed.getHost() != null || !isHttp(parsed)) ? masked(parsed) : null;
        } catch (Exception e) {
            return null; // what does not parse is not shown at all: it may hold user info or a token anywhere
        }
    }
}
