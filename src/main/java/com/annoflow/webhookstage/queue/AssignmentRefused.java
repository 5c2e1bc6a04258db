package com.annoflow.webhookstage.queue;

/** An assignment request that cannot be carried out; nothing was changed. Carries the HTTP status the API answers with. */
public class AssignmentRefused extends RuntimeException {

    private final int status;

    public AssignmentRefused(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
