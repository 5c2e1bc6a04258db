package com.annoflow.webhookstage.outbound;

import java.net.UnknownHostException;

/** The target resolves to an address the SSRF guard blocks; no connection was made. */
public class BlockedTargetException extends UnknownHostException {

    public BlockedTargetException(String message) {
        super(message);
    }
}
