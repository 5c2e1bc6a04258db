package com.annoflow.webhookstage.payload;

import java.util.List;

/** The payload is larger than {@code webhook.max-payload-bytes}; nothing is sent, the file goes to its failure stage. */
public class PayloadTooLargeException extends InvalidPayloadException {

    public PayloadTooLargeException(int bytes, int max) {
        super(List.of("payload is " + bytes + " bytes, more than webhook.max-payload-bytes=" + max
                      + "; send metadata only (include_annotations: false) or raise the limit if the receiver accepts it"));
    }
}
