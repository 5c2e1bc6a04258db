package com.annoflow.webhookstage.support;

import java.util.List;
import java.util.UUID;

import com.annoflow.webhookstage.files.Dataset;
import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.Slot;
import com.annoflow.webhookstage.files.SourceFile;
import com.annoflow.webhookstage.files.SourceInfo;
import com.annoflow.webhookstage.files.Team;

/** Registration bodies for the API, in the shape receivers get back. */
public final class TestFiles {

    private TestFiles() {
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /** The metadata of image_1.jpg with id {@code id}, as the catalog takes it (one slot, one source file). */
    public static Item item(String id) {
        return new Item("image_1.jpg", "/", new SourceInfo(id,
                new Team("My Team", "my-team"),
                new Dataset("Cars", "cars", "https://example.org/datasets/339222/dataset-management"),
                "https://example.org/workview?dataset=339222&item=" + id),
                List.of(new Slot("0", "image", 1920, 1080, List.of(
                        new SourceFile("image_1.jpg", "https://example.org/1.jpg")))));
    }

    public static String carAnnotation() {
        return """
                {"id": "778192d5-86af-4f3c-9a07-3c2f1a0b9e11", "name": "car", "slot_names": ["0"],
                 "bounding_box": {"x": 177, "y": 99, "w": 251, "h": 242},
                 "annotators": [{"email": "user@example.com", "full_name": "Example User"}],
                 "attributes": [], "properties": []}""";
    }

    public static String file(String itemId, String name, String annotationsJson) {
        return """
                {"item": {"name": "%s", "path": "/",
                  "source_info": {"item_id": "%s", "team": {"name": "My Team", "slug": "my-team"},
                    "dataset": {"name": "Cars", "slug": "cars",
                                "dataset_management_url": "https://example.org/datasets/339222/dataset-management"},
                    "workview_url": "https://example.org/workview?dataset=339222&item=%s"},
                  "slots": [{"slot_name": "0", "type": "image", "width": 1920, "height": 1080,
                             "source_files": [{"file_name": "%s", "url": "https://example.org/files/%s"}]}]},
                 "annotations": %s}""".formatted(name, itemId, itemId, name, name, annotationsJson);
    }

    public static String registration(String itemId) {
        return "{\"files\": [" + file(itemId, "image_1.jpg", "[" + carAnnotation() + "]") + "]}";
    }

    public static String assignment(String workflow, String stage, String... itemIds) {
        return "{\"workflow\": \"" + workflow + "\", \"stage\": \"" + stage + "\", \"file_ids\": [\""
               + String.join("\", \"", itemIds) + "\"]}";
    }
}
