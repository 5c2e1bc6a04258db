package com.annoflow.webhookstage.delivery;

import java.time.Duration;

import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.tracing.VisitTracing;
import com.annoflow.webhookstage.workflow.StageConfig;
import org.apache.camel.Exchange;

/**
 * The exchange contract of the delivery routes ({@code routes/webhook-delivery.camel.yaml}): every exchange property the
 * steps of one visit share, typed. The route file reads a few of them by name: the request routes {@code httpTarget},
 * {@code targetUri}, {@code timeoutMillis} and {@code connectionPool}; the router {@code outcome},
 * {@code receiversNextStage} and {@code nextStage}. Those names are the constants below; no other class names a property.
 */
public final class DeliveryExchange {

    public static final String HTTP_TARGET = "httpTarget";
    public static final String TARGET_URI = "targetUri";
    public static final String TIMEOUT_MILLIS = "timeoutMillis";
    public static final String CONNECTION_POOL = "connectionPool";
    public static final String OUTCOME = "outcome";
    public static final String RECEIVERS_NEXT_STAGE = "receiversNextStage";
    public static final String NEXT_STAGE = "nextStage";

    private static final String VISIT = "visit";
    private static final String STAGE = "stage";
    private static final String ATTEMPTS_MADE = "attemptsMade";
    private static final String OUTCOME_DETAIL = "outcomeDetail";
    private static final String RECEIVERS_CHOICE = "receiversChoice";
    private static final String RETRY_AFTER = "retryAfter";
    private static final String ATTEMPT_ROW = "attemptRow";
    private static final String STARTED = "attemptStartedNanos";
    private static final String UNANSWERED = "attemptUnanswered";
    private static final String TOKEN_SENT = "oauth2TokenSent";
    private static final String ATTEMPT_SPAN = "attemptSpan";

    private final Exchange exchange;

    private DeliveryExchange(Exchange exchange) {
        this.exchange = exchange;
    }

    public static DeliveryExchange of(Exchange exchange) {
        return new DeliveryExchange(exchange);
    }

    /** The visit being delivered: a file's stay in the stage, with its delivery id and the attempts made before this one. */
    public Visit visit() {
        return exchange.getProperty(VISIT, Visit.class);
    }

    public StageConfig stage() {
        return exchange.getProperty(STAGE, StageConfig.class);
    }

    /** The visit and its stage, for every later step. */
    public void take(Visit visit, StageConfig stage) {
        exchange.setProperty(VISIT, visit);
        exchange.setProperty(STAGE, stage);
    }

    /** What the routes that send need to know of the stage; forgets why a previous send went unanswered. */
    public void aimAt(StageConfig stage, String connectionPool) {
        exchange.setProperty(STAGE, stage);
        exchange.setProperty(TIMEOUT_MILLIS, stage.timeoutMillis());
        exchange.setProperty(HTTP_TARGET, stage.isHttpTarget());
        exchange.setProperty(TARGET_URI, stage.url().toString());
        exchange.setProperty(CONNECTION_POOL, connectionPool);
        exchange.removeProperty(UNANSWERED);
    }

    /** Attempts made in this visit, the one in progress included once it started; {@code otherwise} before any. */
    public int attemptsMadeOr(int otherwise) {
        return exchange.getProperty(ATTEMPTS_MADE, otherwise, Integer.class);
    }

    public boolean hasAttemptsMade() {
        return exchange.getProperty(ATTEMPTS_MADE) != null;
    }

    public void attemptsMade(int made) {
        exchange.setProperty(ATTEMPTS_MADE, made);
    }

    public void attemptStarted(long nanos) {
        exchange.setProperty(STARTED, nanos);
    }

    public long attemptStartedNanos() {
        return exchange.getProperty(STARTED, Long.class);
    }

    /** Why the last send got no answer (an exception the sending route caught), or null when it was answered. */
    public Exception unanswered() {
        return exchange.getProperty(UNANSWERED, Exception.class);
    }

    public void unanswered(Exception cause) {
        exchange.setProperty(UNANSWERED, cause);
    }

    /** The exception the error handling or a {@code doCatch} caught, or null. */
    public Exception caught() {
        return exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
    }

    /**
     * The attempt's delivery-log row, written in the transaction of the visit's next step (its move on or its park), or
     * by whatever ends the visit otherwise.
     */
    public DeliveryLog.PendingRow attemptRow() {
        return exchange.getProperty(ATTEMPT_ROW, DeliveryLog.PendingRow.class);
    }

    public void attemptRow(DeliveryLog.PendingRow row) {
        exchange.setProperty(ATTEMPT_ROW, row);
    }

    /** Takes the attempt's row off the exchange: whoever takes it writes it, and nobody else. */
    public DeliveryLog.PendingRow takeAttemptRow() {
        DeliveryLog.PendingRow row = attemptRow();
        exchange.removeProperty(ATTEMPT_ROW);
        return row;
    }

    /** The wait a receiver asked for with Retry-After (capped), or null. */
    public Duration retryAfter() {
        return exchange.getProperty(RETRY_AFTER, Duration.class);
    }

    public void retryAfter(Duration wait) {
        exchange.setProperty(RETRY_AFTER, wait);
    }

    /** The stage a delivered answer chose with {@code next_stage} ({@code next_from_response}), and why, for the router. */
    public void receiversChoice(String stage, String why) {
        if (stage != null) {
            exchange.setProperty(RECEIVERS_NEXT_STAGE, stage);
        }
        exchange.setProperty(RECEIVERS_CHOICE, why);
    }

    public String receiversChoiceWhy() {
        return exchange.getProperty(RECEIVERS_CHOICE, String.class);
    }

    /** How the visit ended ({@code DELIVERED} or {@code FAILED}) and the detail its transition records. */
    public void outcome(String outcome, String detail) {
        exchange.setProperty(OUTCOME, outcome);
        exchange.setProperty(OUTCOME_DETAIL, detail);
    }

    public String outcome() {
        return exchange.getProperty(OUTCOME, String.class);
    }

    public String outcomeDetail() {
        return exchange.getProperty(OUTCOME_DETAIL, String.class);
    }

    /** The router's choice: {@code on_success}, {@code on_failure}, or a stage of the workflow. */
    public String nextStage() {
        return exchange.getProperty(NEXT_STAGE, String.class);
    }

    /** What {@code oauth2.addToken} sent, for a second request with a new token (a {@link OAuth2Steps} value). */
    <T> T tokenSent(Class<T> type) {
        return exchange.getProperty(TOKEN_SENT, type);
    }

    void tokenSent(Object sent) {
        if (sent == null) {
            exchange.removeProperty(TOKEN_SENT);
        } else {
            exchange.setProperty(TOKEN_SENT, sent);
        }
    }

    /** Tells the claim's scheduler whether to poll again at once (the claim filled its room, so more may be due). */
    public void claimFilledItsRoom(boolean filled) {
        exchange.setProperty(Exchange.SCHEDULER_POLLED_MESSAGES, filled);
    }

    /** The attempt's span ({@link VisitTracing.AttemptSpan#NONE} when tracing is off or no attempt started). */
    public VisitTracing.AttemptSpan attemptSpan() {
        VisitTracing.AttemptSpan span = exchange.getProperty(ATTEMPT_SPAN, VisitTracing.AttemptSpan.class);
        return span == null ? VisitTracing.AttemptSpan.NONE : span;
    }

    public void attemptSpan(VisitTracing.AttemptSpan span) {
        exchange.setProperty(ATTEMPT_SPAN, span);
    }
}
