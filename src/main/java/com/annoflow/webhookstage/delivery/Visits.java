package com.annoflow.webhookstage.delivery;

import java.util.List;

import com.annoflow.webhookstage.endpointhealth.StagePausedException;
import com.annoflow.webhookstage.payload.ClaimedFile;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.LeaseLostException;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of {@code routes/webhook-delivery.camel.yaml} that begin and end a visit, on the queue
 * ({@link AssignmentQueue}, which knows nothing of Camel): {@link #claim} the files that are due, {@link #take} one for
 * delivery, {@link #moveToNextStage} when the router chose, or {@link #release} it back to the queue when something
 * else went wrong.
 */
public final class Visits {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.queue");

    private final AssignmentQueue queue;
    private final VisitEnds ends;
    private final WorkflowCatalog catalog;

    public Visits(AssignmentQueue queue, VisitEnds ends, WorkflowCatalog catalog) {
        this.queue = queue;
        this.ends = ends;
        this.catalog = catalog;
    }

    /** The visits the queue claimed; tells the scheduler to poll again at once when the claim filled its room. */
    public List<Visit> claim(Exchange exchange) {
        AssignmentQueue.Claim claim = queue.claim();
        DeliveryExchange.of(exchange).claimFilledItsRoom(claim.filledItsRoom());
        return claim.visits();
    }

    /** The claimed file in the body becomes the exchange's visit, in its stage. */
    public void take(Exchange exchange) {
        Visit visit = exchange.getMessage().getBody(ClaimedFile.class).visit();
        DeliveryExchange.of(exchange).take(visit, catalog.stage(visit.stageId()));
    }

    /**
     * The last step of a visit: moves the file to the stage the router chose ({@code on_success}, {@code on_failure},
     * or a stage name), recording the outcome the delivery steps described, with the attempt's row. The move is
     * written with others in one commit ({@link VisitEnds}): the visit ends when that group has committed.
     */
    public void moveToNextStage(Exchange exchange) {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        StageConfig from = delivery.stage();
        String next = delivery.nextStage();
        StageConfig target = catalog.target(from, "on_success".equals(next) ? from.onSuccess()
                : "on_failure".equals(next) ? from.onFailure() : next);
        ends.moveOn(delivery.visit(), from, target, delivery.outcome(), delivery.outcomeDetail(), delivery.takeAttemptRow());
    }

    /** Gives the visit of this exchange back to the queue, if this instance still holds its lease. */
    public void release(Exchange exchange) {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        Visit visit = delivery.visit();
        if (visit == null && exchange.getMessage().getBody() instanceof ClaimedFile claimed) {
            visit = claimed.visit(); // it failed before it was taken
        }
        DeliveryLog.PendingRow attemptNotWritten = delivery.takeAttemptRow();
        if (attemptNotWritten != null) {
            // the attempt was made: its log row is written even though the visit ends otherwise
            try {
                attemptNotWritten.run();
            } catch (RuntimeException e) {
                LOG.warn("the delivery log could not record an attempt ({})", e.getMessage());
            }
        }
        if (visit == null) {
            return;
        }
        Exception cause = delivery.caught();
        // an attempt that started and did not reach its record (the bundle stopping, the database gone)
        delivery.attemptSpan().end("INTERRUPTED", null);
        if (cause instanceof StagePausedException) {
            LOG.info("file {}: {}", visit.itemId(), cause.getMessage());
            queue.release(visit);
        } else if (cause instanceof LeaseLostException) {
            queue.leaseLost(visit);
            LOG.warn("file {}: {}", visit.itemId(), cause.getMessage());
        } else {
            LOG.warn("file {}: delivery interrupted ({}); returning it to the queue", visit.itemId(),
                    cause == null ? "no cause" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
            queue.release(visit);
        }
    }
}
