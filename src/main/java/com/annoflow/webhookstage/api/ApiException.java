package com.annoflow.webhookstage.api;

/** A request the API refuses; the message names the field and the fix, and nothing was changed. */
public class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
