package com.annoflow.webhookstage.delivery;

import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.Exchange;

/**
 * The {@code retryWhile} of the delivery error handler: retry a retryable failure while the stage's attempt budget
 * ({@code retries} + 1, counted in the database) lasts. Camel's redelivery policy supplies the back-off.
 */
public final class RetryPolicy {

    public boolean shouldRetry(Exchange exchange) {
        DeliveryFailedException failure = exchange.getException(DeliveryFailedException.class);
        if (failure == null) {
            Exception caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            failure = caught instanceof DeliveryFailedException f ? f : null;
        }
        if (failure == null || !failure.isRetryable()) {
            return false;
        }
        StageConfig stage = exchange.getProperty(AssignmentQueue.STAGE, StageConfig.class);
        Integer made = exchange.getProperty(Attempts.ATTEMPTS_MADE, Integer.class);
        return made != null && made < stage.attemptBudget();
    }
}
