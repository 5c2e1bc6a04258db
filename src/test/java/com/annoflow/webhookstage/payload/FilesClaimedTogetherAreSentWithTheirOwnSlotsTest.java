package com.annoflow.webhookstage.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A claim reads the metadata of all its files in one statement (files, slots and source files joined). Files of
 * every slot layout, claimed together, each reach the receiver with exactly the slots and source files they were
 * registered with, in their order: none without slots gains one, none borrows another's.
 */
class FilesClaimedTogetherAreSentWithTheirOwnSlotsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void filesOfEverySlotLayoutClaimedTogetherArriveWithTheSlotsTheyWereRegisteredWith() throws Exception {
        Map<String, String> slotsOf = new LinkedHashMap<>();
        slotsOf.put(TestFiles.newId(), "[]");
        slotsOf.put(TestFiles.newId(), """
                [{"slot_name": "empty", "type": "image", "width": 10, "height": 20, "source_files": []}]""");
        slotsOf.put(TestFiles.newId(), """
                [{"slot_name": "0", "type": "video", "width": 640, "height": 480,
                  "source_files": [{"file_name": "a-1.mp4", "url": "https://example.org/a-1"},
                                   {"file_name": "a-2.mp4", "url": "https://example.org/a-2"},
                                   {"file_name": "a-3.mp4", "url": "https://example.org/a-3"}]},
                 {"slot_name": "1", "type": "image", "width": 1, "height": 2,
                  "source_files": [{"file_name": "b-1.jpg", "url": "https://example.org/b-1"}]},
                 {"slot_name": "2", "type": "image", "source_files": []}]""");
        slotsOf.put(TestFiles.newId(), """
                [{"slot_name": "only", "type": "pdf", "width": 595, "height": 842,
                  "source_files": [{"file_name": "c.pdf", "url": "https://example.org/c"}]}]""");
        StringBuilder files = new StringBuilder();
        for (Map.Entry<String, String> file : slotsOf.entrySet()) {
            files.append(files.isEmpty() ? "" : ", ").append(withSlots(file.getKey(), file.getValue()));
        }
        bundle.post("/api/files", "{\"files\": [" + files + "]}");

        // one assignment: the four files are due together and claimed in one go
        bundle.post("/api/assignments", TestFiles.assignment("contract", "metadata-only",
                slotsOf.keySet().toArray(String[]::new)));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> slotsOf.keySet().stream().allMatch(id -> !receiver.requestsFor(id).isEmpty()));
        for (Map.Entry<String, String> file : slotsOf.entrySet()) {
            JsonNode sent = JSON.readTree(receiver.requestsFor(file.getKey()).get(0).getBodyAsString());
            assertThat(withoutAbsentSizes(sent.at("/item/slots"))).as("slots sent for a file registered with %s", file.getValue())
                    .isEqualTo(withoutAbsentSizes(JSON.readTree(file.getValue())));
        }
    }

    /** The registration of one file with these slots, otherwise the test file. */
    private static String withSlots(String itemId, String slots) throws Exception {
        ObjectNode file = (ObjectNode) JSON.readTree(TestFiles.file(itemId, "f.jpg", "[]"));
        ((ObjectNode) file.get("item")).set("slots", JSON.readTree(slots));
        return file.toString();
    }

    /** Slots with their width and height dropped where they are null or absent (a payload may write either). */
    private static JsonNode withoutAbsentSizes(JsonNode slots) {
        JsonNode copy = slots.deepCopy();
        for (JsonNode slot : copy) {
            for (String size : new String[] { "width", "height" }) {
                if (slot.path(size).isNull() || slot.path(size).isMissingNode()) {
                    ((ObjectNode) slot).remove(size);
                }
            }
        }
        return copy;
    }
}
