package com.annoflow.webhookstage.files;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A file as stored: its V7 item metadata and its annotations as JSON text.
 *
 * @param validated whether the annotations passed the API's checks and are written in Jackson's compact form
 *                  ({@link #ofValidated}): the catalog then marks them, and a payload sends each marked text as stored
 *                  instead of parsing, checking and writing it again
 */
public record RegisteredFile(Item item, List<String> annotations, boolean validated) {

    /** The most characters one annotation's text may have: the size of its column on HSQLDB (changeset 18). */
    public static final int MAX_ANNOTATION_CHARS = 16_777_216;

    /** Annotations as some writer gave them: checked and re-written whenever a payload includes them. */
    public RegisteredFile(Item item, List<String> annotations) {
        this(item, annotations, false);
    }

    /** Annotations that passed {@code AnnotationValidator}, written here in Jackson's compact form. */
    public static RegisteredFile ofValidated(Item item, List<JsonNode> annotations) {
        return new RegisteredFile(item, annotations.stream().map(JsonNode::toString).toList(), true);
    }
}
