package com.annoflow.webhookstage.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader;
import org.junit.jupiter.api.Test;

/**
 * The route files in {@code routes/} are what the visual editor (Kaoto) opens and saves: named {@code *.camel.yaml},
 * valid against the YAML DSL schema of the Camel they run on (shipped in camel-yaml-dsl, the schema Kaoto edits
 * with), and documented in {@code description} fields, which survive a save, rather than in comments, which do not.
 */
class RouteFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyRouteFileIsNamedDotCamelDotYaml() throws IOException {
        assertThat(routeFiles()).isNotEmpty()
                .allSatisfy(file -> assertThat(file.getFileName().toString()).endsWith(".camel.yaml"));
    }

    @Test
    void everyRouteFileValidatesAgainstTheYamlDslSchemaOfCamel418() throws IOException {
        JsonSchema schema;
        try (InputStream in = YamlRoutesBuilderLoader.class.getResourceAsStream("/schema/camelYamlDsl.json")) {
            assertThat(in).as("camel-yaml-dsl ships schema/camelYamlDsl.json").isNotNull();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
        }
        for (Path file : routeFiles()) {
            Set<ValidationMessage> problems = schema.validate(YAML.readTree(file.toFile()));
            assertThat(problems).as("%s against camelYamlDsl.json", file).isEmpty();
        }
    }

    @Test
    void everyRouteAndRouteConfigurationSaysWhatItDoesInItsDescription() throws IOException {
        List<String> undocumented = new ArrayList<>();
        for (Path file : routeFiles()) {
            for (JsonNode element : YAML.readTree(file.toFile())) {
                element.fields().forEachRemaining(entry -> {
                    JsonNode description = entry.getValue().path("description");
                    if (description.asText().isBlank()) {
                        undocumented.add(file.getFileName() + ": " + entry.getKey() + " " + entry.getValue().path("id").asText());
                    }
                });
            }
        }
        assertThat(undocumented).as("routes without a description").isEmpty();
    }

    private static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
