package com.annoflow.webhookstage.files;

/**
 * One annotation as the catalog holds it.
 *
 * @param body         its JSON text
 * @param asRegistered whether the text is still what the API checked and stored in Jackson's compact form (its mark
 *                     matches): a payload may send it as it is. False for annotations another writer of the database
 *                     stored or changed since.
 */
public record StoredAnnotation(String body, boolean asRegistered) {

    /**
     * The mark the catalog keeps beside an annotation that passed the API's checks: the text's length and hash. A text
     * changed since (by another writer of the shared database) no longer matches it.
     */
    public static long mark(String body) {
        return (long) body.length() << 32 | body.hashCode() & 0xffffffffL;
    }

    static StoredAnnotation read(String body, Long mark) {
        return new StoredAnnotation(body, mark != null && body != null && mark == mark(body));
    }
}
