package com.annoflow.webhookstage.payload;

import java.util.List;

/**
 * The file's data cannot become a valid payload (e.g. malformed annotations); no retry can fix that. The delivery route's
 * error handling sends the file to its failure target with this reason.
 */
public class InvalidPayloadException extends RuntimeException {

    public InvalidPayloadException(List<String> problems) {
        // an expected outcome with its reason in the message: no stack trace to fill
        super("invalid payload: " + String.join("; ", problems), null, false, false);
    }
}
