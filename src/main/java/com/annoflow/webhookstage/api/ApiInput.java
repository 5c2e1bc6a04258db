package com.annoflow.webhookstage.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How a request body becomes JSON: at most {@code webhook.api.max-request-bytes}, strict UTF-8, JSON nested at most
 * {@code webhook.api.max-json-depth} deep, no duplicate field names, nothing after the value, and no text that no column
 * can hold (NUL, unpaired surrogates) anywhere in it. Each refusal names the cap or the place, and its fix.
 */
final class ApiInput {

    private final ApiLimits limits;
    private final ObjectMapper json;

    ApiInput(ApiLimits limits) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxJsonDepth())
                        .maxStringLength(limits.maxRequestBytes())
                        .maxNumberLength(100)
                        .build())
                // a field given twice would let two readers of one request see different values
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.json = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    ApiLimits limits() {
        return limits;
    }

    /** A JSON object from the body of a request whose {@code Content-Type} is {@code contentType} (null when not sent). */
    JsonNode object(byte[] body, String contentType) {
        acceptContentType(contentType);
        if (body == null || body.length == 0) {
            throw new ApiException(400, "body: empty; send a JSON object");
        }
        if (body.length > limits.maxRequestBytes()) {
            throw tooLarge(limits);
        }
        String text = utf8(body);
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new ApiException(400, e.getMessage().contains("nesting depth")
                    ? "body: JSON nested deeper than " + limits.maxJsonDepth() + " levels (" + ApiLimits.PREFIX
                      + "max-json-depth); Darwin JSON needs about 12"
                    : "body: " + firstSentence(e.getOriginalMessage()) + "; shorten that value");
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "body: not valid JSON" + where(e.getLocation()) + ": "
                                        + firstSentence(e.getOriginalMessage()));
        }
        if (node == null || node.isMissingNode() || !node.isObject()) {
            throw new ApiException(400, "body: must be a JSON object, such as {\"files\": [...]}");
        }
        String broken = brokenText(node, "");
        if (broken != null) {
            throw new ApiException(400, broken);
        }
        return node;
    }

    static ApiException tooLarge(ApiLimits limits) {
        return new ApiException(413, "body: larger than " + limits.maxRequestBytes() + " bytes, the most one request may"
                                     + " carry (" + ApiLimits.PREFIX + "max-request-bytes); send fewer files per request");
    }

    /**
     * application/json, in UTF-8 (RFC 8259); anything else is refused. HttpGuard applies this before the server reads
     * a body (a multipart body would otherwise be streamed to disk as uploads), and {@link #object} again.
     */
    static void acceptContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return;
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json")) {
            throw new ApiException(415, "Content-Type: '" + ApiText.shown(parts[0].trim()) + "' is not accepted; send"
                                        + " 'Content-Type: application/json' with a JSON body");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter[0].trim().equalsIgnoreCase("charset")) {
                String charset = parameter.length < 2 ? "" : parameter[1].trim().replace("\"", "").toLowerCase(Locale.ROOT);
                if (!charset.equals("utf-8") && !charset.equals("utf8")) {
                    throw new ApiException(415, "Content-Type: charset '" + ApiText.shown(charset) + "' is not accepted;"
                                                + " JSON is sent as UTF-8 (charset=utf-8, or no charset)");
                }
            }
        }
    }

    private static String utf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(body);
        try {
            return decoder.decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(400, "body: not valid UTF-8 (at byte " + (bytes.position() + 1) + "); send JSON as UTF-8");
        }
    }

    /** The first text or field name that no column can hold, as a message naming its JSON path; null when all are fine. */
    private static String brokenText(JsonNode node, String path) {
        if (node.isTextual()) {
            return problemOf(path, node.asText());
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String broken = brokenText(node.get(i), path + "[" + i + "]");
                if (broken != null) {
                    return broken;
                }
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                String broken = problemOf(fieldPath + " (a field name)", field.getKey());
                if (broken == null) {
                    broken = brokenText(field.getValue(), fieldPath);
                }
                if (broken != null) {
                    return broken;
                }
            }
        }
        return null;
    }

    private static String problemOf(String path, String text) {
        if (text.indexOf('\u0000') >= 0) {
            return ApiText.shown(path) + ": contains a NUL character (\\u0000), which cannot be stored; remove it";
        }
        int unpaired = ApiText.firstUnpairedSurrogate(text);
        return unpaired < 0 ? null : ApiText.shown(path) + ": contains an unpaired surrogate at character " + (unpaired + 1)
                                     + ", which is not valid Unicode; send the whole character";
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** Jackson's message without its internals: the source description, the feature names, what follows a newline. */
    static String firstSentence(String message) {
        if (message == null) {
            return "unreadable";
        }
        String first = message.lines().findFirst().orElse(message);
        first = first.replaceAll("\\s*\\(?(start marker at )?\\[Source: [^\\]]*\\]\\)?", "")
                .replaceAll("\\s*\\(from `StreamReadConstraints[^)]*\\)", "")
                .replaceAll("\\s*\\(for Object starting at[^)]*\\)", "");
        return ApiText.shown(first.trim(), 300);
    }
}
