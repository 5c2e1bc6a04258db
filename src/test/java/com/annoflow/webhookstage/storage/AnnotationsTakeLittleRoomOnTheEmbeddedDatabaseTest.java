package com.annoflow.webhookstage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.annoflow.webhookstage.files.Dataset;
import com.annoflow.webhookstage.files.FileCatalog;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.RegisteredFile;
import com.annoflow.webhookstage.files.Slot;
import com.annoflow.webhookstage.files.SourceFile;
import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.files.Team;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.CapturedLogs;
import com.annoflow.webhookstage.support.HsqldbOnly;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestDatabase;
import com.annoflow.webhookstage.support.TestFiles;
import org.junit.jupiter.api.Test;

/**
 * HSQLDB keeps each annotation (a CLOB) in the .lobs file in units of 32 KB unless told otherwise: a database the
 * bundle creates uses 1 KB units, and one that already holds annotations keeps its units and says so at start-up.
 */
@HsqldbOnly
class AnnotationsTakeLittleRoomOnTheEmbeddedDatabaseTest {

    private static final int FILES = 50;
    private static final int ANNOTATIONS_PER_FILE = 20;

    @Test
    void aNewEmbeddedDatabaseStoresAThousandAnnotationsOfAKilobyteInAFewMegabytes() throws IOException {
        TestDatabase database = TestDatabase.embeddedFile();
        try (Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            assertThat(bundle.post("/api/files", registration()).statusCode()).isEqualTo(201);
            assertThat(bundle.jdbc().queryForObject("SELECT COUNT(*) FROM annotation", Integer.class))
                    .isEqualTo(FILES * ANNOTATIONS_PER_FILE);
            assertThat(lobScale(bundle)).isEqualTo("1");
        }
        // 32 KB units would take 1,000 x 32 KB = 32 MB
        assertThat(Files.size(lobsFile(database))).isLessThan(4L * 1024 * 1024);
    }

    @Test
    void anExistingDatabaseThatHoldsAnnotationsKeepsItsUnitsAndTheStartUpSaysSo() {
        TestDatabase database = TestDatabase.embeddedFile();
        Storage earlier = new Storage(database.url(), database.user(), database.password(), 1);
        earlier.migrate();
        String id = TestFiles.newId();
        // as an earlier version registered a file: before any setting of the lob units
        Item item = new Item("image_1.jpg", "/", new SourceInfo(id, new Team("My Team", "my-team"),
                new Dataset("Cars", "cars", "https://example.org/datasets/339222/dataset-management"),
                "https://example.org/workview?dataset=339222&item=" + id),
                List.of(new Slot("0", "image", 1920, 1080, List.of(new SourceFile("image_1.jpg", "https://example.org/1.jpg")))));
        new FileCatalog(earlier, Clock.systemUTC()).register(List.of(new RegisteredFile(item, List.of(TestFiles.carAnnotation()))));
        earlier.stop();

        try (CapturedLogs logs = new CapturedLogs();
                Receiver receiver = new Receiver().start();
                BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver, database).start()) {
            assertThat(lobScale(bundle)).isEqualTo("32");
            assertThat(logs.lines()).anySatisfy(line -> assertThat(line).contains("stores each annotation in units of 32 KB"));
            assertThat(bundle.get("/api/files/" + id).statusCode()).isEqualTo(200);
        }
    }

    private static String lobScale(BundleUnderTest bundle) {
        return bundle.jdbc().queryForObject("SELECT PROPERTY_VALUE FROM INFORMATION_SCHEMA.SYSTEM_PROPERTIES"
                                            + " WHERE PROPERTY_NAME = 'hsqldb.lob_file_scale'", String.class);
    }

    private static Path lobsFile(TestDatabase database) {
        String path = database.url().substring("jdbc:hsqldb:file:".length()).split(";")[0];
        return Path.of(path + ".lobs");
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
