package com.annoflow.webhookstage.queue.camel;

import com.annoflow.webhookstage.queue.AssignmentQueue;
import org.apache.camel.support.service.ServiceSupport;

/**
 * On stop, after the routes have stopped and before the pool closes: files this instance still holds (waiting for a
 * retry, or cut off by the shutdown timeout) go straight back to the queue, attempts and delivery id kept, instead of
 * waiting for their lease to expire.
 */
public final class LeaseRelease extends ServiceSupport {

    private final AssignmentQueue queue;

    public LeaseRelease(AssignmentQueue queue) {
        this.queue = queue;
    }

    @Override
    protected void doStop() {
        queue.releaseAll();
    }
}
