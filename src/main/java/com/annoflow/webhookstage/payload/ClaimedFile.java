package com.annoflow.webhookstage.payload;

import java.util.List;

import com.annoflow.webhookstage.files.Item;
import com.annoflow.webhookstage.files.StoredAnnotation;
import com.annoflow.webhookstage.queue.Visit;

/**
 * A claimed visit with its file's stored data, read together with the rest of its claim ({@link PayloadBuilder#readAhead}):
 * what the payload of the visit's attempt is built from.
 *
 * @param read        whether the data was read with the claim; when not, the delivery reads it itself
 * @param item        the file's metadata; null when the file is assigned but not registered
 * @param annotations the stored annotations, in order; null when the stage does not include annotations
 */
public record ClaimedFile(Visit visit, boolean read, Item item, List<StoredAnnotation> annotations) {

    /** A claimed visit whose data could not be read with its claim. */
    static ClaimedFile unread(Visit visit) {
        return new ClaimedFile(visit, false, null, null);
    }
}
