package com.annoflow.webhookstage.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpServerRequest;

/**
 * One API request as the bundle reads it: the {@code Authorization} and {@code Content-Type} headers, the path
 * parameters of its route, its documented query parameters and its body, all taken from the HTTP request itself.
 * platform-http also copies every query parameter and header into Camel message headers, where {@code
 * ?Authorization=...} looked like a key and a parameter named like a path parameter could shadow it; the API routes
 * drop those headers and read only this.
 */
final class ApiRequest {

    private final List<String> authorization;
    private final String contentType;
    private final Map<String, String> path;
    private final Map<String, List<String>> query;
    private final byte[] body;
    private final ApiInput input;

    private ApiRequest(List<String> authorization, String contentType, Map<String, String> path,
            Map<String, List<String>> query, byte[] body, ApiInput input) {
        this.authorization = authorization;
        this.contentType = contentType;
        this.path = path;
        this.query = query;
        this.body = body;
        this.input = input;
    }

    static ApiRequest of(HttpServerRequest request, String template, byte[] body, ApiInput input) {
        return new ApiRequest(request.headers().getAll("Authorization"), request.getHeader("Content-Type"),
                pathParameters(template, request.path()), queryParameters(request.query()), body, input);
    }

    /** The one {@code Authorization} header's value; null when none was sent. */
    String authorization() {
        if (authorization.size() > 1) {
            throw new ApiException(401, "Authorization: sent " + authorization.size() + " times; send one"
                                        + " 'Authorization: Bearer <API key>' header");
        }
        return authorization.isEmpty() ? null : authorization.get(0);
    }

    /** A path parameter of the route: it always wins, nothing else of the same name is read. */
    String path(String name) {
        return path.get(name);
    }

    /** A documented query parameter, given at most once; null when absent. */
    String query(String name) {
        List<String> values = query.getOrDefault(name, List.of());
        if (values.size() > 1) {
            throw new ApiException(400, name + ": given " + values.size() + " times; give it once");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    /** The body as a JSON object. */
    JsonNode json() {
        return input.object(body, contentType);
    }

    /** The body as a JSON object, or null when the request has none (an optional body). */
    JsonNode jsonIfAny() {
        return body == null || body.length == 0 ? null : json();
    }

    ApiInput input() {
        return input;
    }

    /**
     * The values of the template's {@code {name}} segments in the request's path, percent-decoded, after the dot
     * segments are resolved as the router resolved them.
     */
    static Map<String, String> pathParameters(String template, String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/", -1)) {
            String segment = decode(raw);
            if (segment.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
            } else if (!segment.equals(".") && !segment.isEmpty()) {
                segments.add(segment);
            }
        }
        String[] expected = template.replaceFirst("^/", "").split("/");
        if (expected.length != segments.size()) {
            throw new ApiException(404, "path: no such API path; see the README's API table");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < expected.length; i++) {
            if (expected[i].startsWith("{") && expected[i].endsWith("}")) {
                values.put(expected[i].substring(1, expected[i].length() - 1), segments.get(i));
            } else if (!expected[i].equals(segments.get(i))) {
                throw new ApiException(404, "path: no such API path; see the README's API table");
            }
        }
        return values;
    }

    private static Map<String, List<String>> queryParameters(String rawQuery) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return values;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decodeQuery(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decodeQuery(pair.substring(equals + 1));
            values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return values;
    }

    private static String decode(String segment) {
        try {
            // a '+' in a path is a plus, not a space
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "path: '" + ApiText.shown(segment) + "' has a broken percent-encoding");
        }
    }

    private static String decodeQuery(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "query: '" + ApiText.shown(text) + "' has a broken percent-encoding");
        }
    }
}
