package com.annoflow.webhookstage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.EarlierSchema;
import com.annoflow.webhookstage.support.HsqldbOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On HSQLDB the annotations are text in a CACHED table (changeset 18): read through HSQLDB's row cache, not looked up
 * one by one in its lob store, and not all held in memory as a MEMORY table's rows would be. A database made by an
 * earlier version, whose annotations are CLOBs, keeps every one of them through the change.
 */
@HsqldbOnly
class AnnotationsLiveInACachedTableOnTheEmbeddedDatabaseTest {

    private static final int FILES = 50;
    private static final int ANNOTATIONS_PER_FILE = 20;

    @TempDir
    Path earlierChangelog;

    @Test
    void aNewEmbeddedDatabaseKeepsAThousandAnnotationsOfAKilobyteAsTextOnDiskInAFewMegabytes() throws IOException {
        TestDatabase database = TestDatabase.embeddedFile();
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            assertThat(bundle.post("/api/files", registration()).statusCode()).isEqualTo(201);
            assertThat(bundle.jdbc().queryForObject("SELECT COUNT(*) FROM annotation", Integer.class))
                    .isEqualTo(FILES * ANNOTATIONS_PER_FILE);
            assertThat(tableType(bundle)).isEqualTo("CACHED");
            assertThat(bodyType(bundle)).isEqualTo("CHARACTER VARYING");
        }
        // about a megabyte of annotations; HSQLDB's CLOBs in their default 32 KB units took 32 MB
        assertThat(sizeOfDatabaseFiles(database)).isLessThan(8L * 1024 * 1024);
    }

    @Test
    void anEarlierVersionsDatabaseKeepsEveryAnnotationWhenTheyBecomeText() throws Exception {
        TestDatabase database = TestDatabase.embeddedFile();
        Storage earlier = new Storage(database.url(), database.user(), database.password(), 1);
        EarlierSchema.migrateWithout(earlier, "18-hsqldb-annotations-as-cached-text", earlierChangelog);
        assertThat(earlier.jdbc().queryForObject("SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME ="
                                                 + " 'ANNOTATION' AND COLUMN_NAME = 'BODY'", String.class))
                .isEqualTo("CHARACTER LARGE OBJECT");
        String id = TestFiles.newId();
        String large = "{\"id\":\"" + UUID.randomUUID() + "\",\"name\":\"car\",\"slot_names\":[\"0\"],\"polygon\":{\"paths\":[["
                       + "{\"x\":120.5,\"y\":310.25},".repeat(4_000) + "{\"x\":1,\"y\":2}]]}}";
        List<String> annotations = List.of(TestFiles.carAnnotation(), large);
        new FileCatalog(earlier, Clock.systemUTC()).register(List.of(new RegisteredFile(TestFiles.item(id), annotations)));
        earlier.stop();

        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            assertThat(tableType(bundle)).isEqualTo("CACHED");
            assertThat(bodyType(bundle)).isEqualTo("CHARACTER VARYING");
            assertThat(bundle.jdbc().queryForList("SELECT body FROM annotation WHERE item_id = ? ORDER BY position",
                    String.class, id)).containsExactlyElementsOf(annotations);
            // and a payload sends them as they were
            ObjectMapper json = new ObjectMapper();
            String preview = bundle.get("/api/workflows/contract/stages/with-annotations/preview?file_id=" + id).body();
            JsonNode sent = json.readTree(json.readTree(preview).path("body").asText()).path("annotations");
            assertThat(sent).containsExactly(json.readTree(annotations.get(0)), json.readTree(annotations.get(1)));
        }
    }

    private static String tableType(BundleUnderTest bundle) {
        return bundle.jdbc().queryForObject("SELECT HSQLDB_TYPE FROM INFORMATION_SCHEMA.SYSTEM_TABLES"
                                            + " WHERE TABLE_NAME = 'ANNOTATION'", String.class);
    }

    private static String bodyType(BundleUnderTest bundle) {
        return bundle.jdbc().queryForObject("SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME ="
                                            + " 'ANNOTATION' AND COLUMN_NAME = 'BODY'", String.class);
    }

    private static long sizeOfDatabaseFiles(TestDatabase database) throws IOException {
        Path path = Path.of(database.url().substring("jdbc:hsqldb:file:".length()).split(";")[0]);
        try (Stream<Path> files = Files.list(path.getParent())) {
            return files.filter(f -> f.getFileName().toString().startsWith(path.getFileName().toString()))
                    .filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static String registration() {
        List<String> files = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            List<String> annotations = new ArrayList<>();
            for (int a = 0; a < ANNOTATIONS_PER_FILE; a++) {
                // about a kilobyte each: a polygon of 40 points
                annotations.add("{\"id\": \"" + UUID.randomUUID() + "\", \"name\": \"car\", \"slot_names\": [\"0\"],"
                                + " \"polygon\": {\"paths\": [[" + "{\"x\": 120.5, \"y\": 310.25}, ".repeat(40)
                                + "{\"x\": 1.0, \"y\": 2.0}]]}}");
            }
            files.add(TestFiles.file(TestFiles.newId(), "image_" + f + ".jpg", "[" + String.join(", ", annotations) + "]"));
        }
        return "{\"files\": [" + String.join(", ", files) + "]}";
    }
}
