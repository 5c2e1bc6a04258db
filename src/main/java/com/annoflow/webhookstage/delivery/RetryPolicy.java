package com.annoflow.webhookstage.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.Exchange;

/**
 * The retry decision of the delivery error handler in {@code routes/}: {@link #shouldRetry} says whether a failed
 * attempt gets another one (a retryable failure, and the stage's budget of {@code retries + 1} attempts not spent),
 * and {@link #park} makes the file wait in the database until its next attempt is due. Nothing waits in memory.
 */
public final class RetryPolicy {

    /** Every wait of the schedule is spread by this much either way, so files that failed together do not return together. */
    static final double JITTER = 0.2;

    private final VisitEnds visitEnds;
    private final Clock clock;
    private final DoubleSupplier random;

    public RetryPolicy(VisitEnds visitEnds, Clock clock) {
        this(visitEnds, clock, () -> ThreadLocalRandom.current().nextDouble());
    }

    RetryPolicy(VisitEnds visitEnds, Clock clock, DoubleSupplier random) {
        this.visitEnds = visitEnds;
        this.clock = clock;
        this.random = random;
    }

    public boolean shouldRetry(Exchange exchange) {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        DeliveryFailedException failure = exchange.getException(DeliveryFailedException.class);
        if (failure == null) {
            failure = delivery.caught() instanceof DeliveryFailedException f ? f : null;
        }
        if (failure == null || !failure.isRetryable() || !delivery.hasAttemptsMade()) {
            return false;
        }
        return delivery.attemptsMadeOr(0) < delivery.stage().attemptBudget();
    }

    /**
     * The file waits for its next attempt: the receiver's Retry-After if it sent one (capped by
     * {@code webhook.retry-after.max}), else the stage's scheduled wait for this retry with ±20 % jitter. The park is
     * written with others in one commit ({@link VisitEnds}).
     */
    public void park(Exchange exchange) {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        StageConfig stage = delivery.stage();
        int made = delivery.attemptsMadeOr(0);
        Duration retryAfter = delivery.retryAfter();
        Duration wait = retryAfter != null ? retryAfter : jittered(stage.waitBeforeRetry(made));
        // the attempt's row goes with the park
        visitEnds.park(delivery.visit(), stage, made, clock.instant().plus(wait), wait, retryAfter != null,
                delivery.takeAttemptRow(), delivery.attemptSpan().visitContext());
    }

    /** {@code wait} spread uniformly over ±20 %. */
    Duration jittered(Duration wait) {
        double factor = 1 - JITTER + 2 * JITTER * random.getAsDouble();
        return Duration.ofMillis(Math.round(wait.toMillis() * factor));
    }
}
