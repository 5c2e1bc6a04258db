package com.annoflow.webhookstage.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The schemas published for receivers, one per built-in payload shape ({@code docs/payload-darwin-v2.schema.json},
 * {@code docs/payload-flat.schema.json}), and the golden examples in {@code src/test/resources/golden/}.
 */
public final class PayloadSchema {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema DARWIN_V2 = load("docs/payload-darwin-v2.schema.json");
    private static final JsonSchema FLAT = load("docs/payload-flat.schema.json");

    private PayloadSchema() {
    }

    /** Validation messages for a darwin-v2 payload body; empty when it conforms. */
    public static Set<ValidationMessage> problems(String body) {
        return DARWIN_V2.validate(read(body));
    }

    /** Validation messages for a flat payload body; empty when it conforms. */
    public static Set<ValidationMessage> flatProblems(String body) {
        return FLAT.validate(read(body));
    }

    public static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The payload with its delivery id replaced by the golden examples' zeros. */
    public static JsonNode withoutDeliveryId(String body) {
        ObjectNode payload = (ObjectNode) read(body);
        payload.put("delivery_id", "msg_00000000000000000000000000000000");
        return payload;
    }

    /**
     * The golden example {@code name}. A missing one is written to target/golden/ from {@code actual} for review, and the
     * test fails until it is copied over.
     */
    public static JsonNode golden(String name, String actual) throws IOException {
        Path golden = Path.of("src/test/resources/golden", name);
        if (!Files.exists(golden)) {
            Path candidate = Files.createDirectories(Path.of("target/golden")).resolve(name);
            Files.writeString(candidate, withoutDeliveryId(actual).toPrettyString());
            throw new AssertionError("no golden file " + golden + "; review " + candidate + " and copy it there");
        }
        return read(Files.readString(golden));
    }

    private static JsonSchema load(String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
