package com.annoflow.webhookstage.queue;

/** Another instance took the file over after this instance's lease expired; this instance must stop touching it. */
public class LeaseLostException extends RuntimeException {

    public LeaseLostException(Visit visit) {
        super("lease on file " + visit.itemId() + " was lost (it expired and the file went back to the queue)");
    }
}
