package com.annoflow.webhookstage.delivery;

/**
 * A visit could not be delivered this time. {@code retryable} says whether another attempt could succeed (5xx, 408, 429,
 * timeouts, refused connections) or not (other 4xx, a payload that cannot be built). The error handler in
 * {@code routes/webhook-delivery.camel.yaml} retries the first kind while the stage's attempt budget lasts.
 */
public class DeliveryFailedException extends RuntimeException {

    private final boolean retryable;

    public DeliveryFailedException(String message, boolean retryable) {
        super(message, null, false, false);
        this.retryable = retryable;
    }

    public boolean isRetryable() {
        return retryable;
    }
}
