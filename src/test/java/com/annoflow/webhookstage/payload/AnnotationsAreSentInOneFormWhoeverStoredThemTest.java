package com.annoflow.webhookstage.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import com.annoflow.webhookstage.files.StoredAnnotation;
import com.annoflow.webhookstage.support.BundleUnderTest;
import com.annoflow.webhookstage.support.Receiver;
import com.annoflow.webhookstage.support.TestFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An annotation the API checked is stored in Jackson's compact form with a mark (its length and hash), and a payload
 * sends a text that still matches its mark as stored, without parsing, checking and writing it again. Receivers see
 * one form either way: an annotation another writer of the database stored in another form, or changed since, is
 * parsed, checked and written compact, as before the mark.
 */
class AnnotationsAreSentInOneFormWhoeverStoredThemTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The test annotation as a person writes it: spaces and line breaks. */
    private static final String SPACED = TestFiles.carAnnotation();

    private static final Receiver receiver = new Receiver();
    @RegisterExtension
    static final BundleUnderTest bundle = BundleUnderTest.forDeliveryTests(receiver);

    @Test
    void anAnnotationRegisteredThroughTheApiAndOneStoredByAnotherWriterAreSentInTheSameBytes() throws Exception {
        String viaApi = TestFiles.newId();
        String viaSql = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(viaApi));
        bundle.post("/api/files", TestFiles.registration(viaSql));
        // another writer of the shared database stores the same annotation in its own form, without a mark
        bundle.jdbc().update("UPDATE annotation SET body = ?, body_mark = NULL WHERE item_id = ?", SPACED, viaSql);
        String compact = JSON.readTree(SPACED).toString();
        assertThat(storedBody(viaApi)).isEqualTo(compact);
        assertThat(storedMark(viaApi)).isEqualTo(StoredAnnotation.mark(compact));

        String sentViaApi = annotationsSent(viaApi);
        String sentViaSql = annotationsSent(viaSql);

        assertThat(sentViaApi).isEqualTo("[" + compact + "]").isEqualTo(sentViaSql);
    }

    @Test
    void aTextThatMatchesItsMarkIsSentAsStoredAndOneChangedSinceIsCheckedAgain() throws Exception {
        String marked = TestFiles.newId();
        String changed = TestFiles.newId();
        bundle.post("/api/files", TestFiles.registration(marked));
        bundle.post("/api/files", TestFiles.registration(changed));
        // a text stored with a mark that matches it goes out byte for byte (here spaced, to show which path it took)
        bundle.jdbc().update("UPDATE annotation SET body = ?, body_mark = ? WHERE item_id = ?", SPACED,
                StoredAnnotation.mark(SPACED), marked);
        // a text changed after the API marked it no longer matches: parsed, checked and written compact
        String truck = SPACED.replace("\"car\"", "\"truck\"");
        bundle.jdbc().update("UPDATE annotation SET body = ? WHERE item_id = ?", truck, changed);

        assertThat(annotationsSent(marked)).isEqualTo("[" + SPACED + "]");
        assertThat(annotationsSent(changed)).isEqualTo("[" + JSON.readTree(truck).toString() + "]");
    }

    /** The {@code annotations} of the body the receiver got for the file, as the bytes that were sent. */
    private static String annotationsSent(String itemId) throws Exception {
        bundle.post("/api/assignments", TestFiles.assignment("contract", "with-annotations", itemId));
        await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.requestsFor(itemId).isEmpty());
        String body = receiver.requestsFor(itemId).get(0).getBodyAsString();
        String key = "\"annotations\":";
        assertThat(body).contains(key).endsWith("]}");
        assertThat(JSON.readTree(body).get("annotations").size()).isEqualTo(1);
        return body.substring(body.indexOf(key) + key.length(), body.length() - 1);
    }

    private static String storedBody(String itemId) {
        List<String> bodies = bundle.jdbc().queryForList(
                "SELECT body FROM annotation WHERE item_id = ?", String.class, itemId);
        return bodies.get(0);
    }

    private static Long storedMark(String itemId) {
        return bundle.jdbc().queryForObject("SELECT body_mark FROM annotation WHERE item_id = ?", Long.class, itemId);
    }
}
