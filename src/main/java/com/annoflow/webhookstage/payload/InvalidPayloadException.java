package com.annoflow.webhookstage.payload;

import java.util.List;

import com.annoflow.webhookstage.delivery.DeliveryFailedException;

/** The file's data cannot become a valid payload (e.g. malformed annotations); no retry can fix that. */
public class InvalidPayloadException extends DeliveryFailedException {

    public InvalidPayloadException(List<String> problems) {
        super("invalid payload: " + String.join("; ", problems), false);
    }
}
