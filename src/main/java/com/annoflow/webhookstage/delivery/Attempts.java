package com.annoflow.webhookstage.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

import com.annoflow.webhookstage.endpointhealth.StageCircuits;
import com.annoflow.webhookstage.endpointhealth.StagePausedException;
import com.annoflow.webhookstage.metrics.WebhookMetrics;
import com.annoflow.webhookstage.outbound.BlockedTargetException;
import com.annoflow.webhookstage.outbound.OutboundHttp;
import com.annoflow.webhookstage.outbound.TokenUnavailableException;
import com.annoflow.webhookstage.payload.InvalidPayloadException;
import com.annoflow.webhookstage.payload.PayloadTooLargeException;
import com.annoflow.webhookstage.queue.AssignmentQueue;
import com.annoflow.webhookstage.queue.LeaseLostException;
import com.annoflow.webhookstage.queue.Visit;
import com.annoflow.webhookstage.tracing.VisitTracing;
import com.annoflow.webhookstage.signing.WebhookSigner;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.TargetUrls;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of one attempt in {@code routes/webhook-delivery.camel.yaml}: {@link #begin} counts it and prepares the request,
 * {@link #unanswered} turns a connection error into an outcome, {@link #record} writes the delivery log and decides
 * whether the attempt failed. {@link #giveUp} and {@link #delivered} describe how the visit ended.
 */
public final class Attempts {

    private static final Logger LOG = LoggerFactory.getLogger("webhook.delivery");

    private final AssignmentQueue queue;
    private final DeliveryLog log;
    private final Clock clock;
    private final String userAgent;
    private final int excerptChars;
    private final Duration retryAfterCap;
    private final int maxPayloadBytes;
    private final WebhookMetrics metrics;
    private final StageCircuits circuits;
    private final Redaction redaction;
    private final OutboundHttp outbound;
    private final VisitTracing tracing;
    private final Map<Long, WebhookSigner> signers = new ConcurrentHashMap<>();

    public Attempts(AssignmentQueue queue, DeliveryLog log, Clock clock, String userAgent, int excerptChars,
            Duration retryAfterCap, int maxPayloadBytes, WebhookMetrics metrics, StageCircuits circuits, Redaction redaction,
            OutboundHttp outbound, VisitTracing tracing) {
        this.outbound = outbound;
        this.tracing = tracing;
        this.circuits = circuits;
        this.redaction = redaction;
        this.queue = queue;
        this.log = log;
        this.clock = clock;
        this.userAgent = userAgent;
        this.excerptChars = excerptChars;
        this.retryAfterCap = retryAfterCap;
        this.maxPayloadBytes = maxPayloadBytes;
        this.metrics = metrics;
    }

    /**
     * Checks the attempt the claim counted (persisted before it is sent, so a crash never refills the budget), renews
     * the lease if the visit waited long for a thread, and sets the request headers.
     */
    public void begin(Exchange exchange) {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        Visit visit = delivery.visit();
        StageConfig stage = delivery.stage();
        int made = visit.attemptsMade();
        delivery.attemptsMade(made);
        if (made >= stage.attemptBudget()) {
            log.record(stage.id(), entry(visit, stage, made, AttemptOutcome.BUDGET_USED_UP, null, 0,
                    "all " + made + " attempts were made before the bundle restarted", null));
            throw new DeliveryFailedException("attempt budget used up (" + made + " of " + stage.attemptBudget() + ")", false);
        }
        Message request = exchange.getMessage();
        // one byte array for the size check, the signature and the request: what is checked and signed is what is sent
        byte[] body = request.getBody(byte[].class);
        request.setBody(body);
        if (body.length > maxPayloadBytes) {
            throw new PayloadTooLargeException(body.length, maxPayloadBytes);
        }
        StageCircuits.State state = circuits.state(stage);
        if (state != StageCircuits.State.SENDING) {
            // the stage paused (its endpoint keeps failing, or an operator said so): the file waits, this attempt not made
            throw new StagePausedException(stage, state);
        }
        if (!queue.startClaimedAttempt(visit)) {
            throw new LeaseLostException(visit);
        }
        delivery.attemptsMade(made + 1);
        aimAt(exchange, stage);
        VisitTracing.AttemptSpan span = tracing.startAttempt(visit, stage, made + 1);
        delivery.attemptSpan(span);
        delivery.attemptStarted(System.nanoTime());

        prepareRequest(request, stage, visit.deliveryId(), body);
        if (stage.traceparent() && span.traceparent() != null) {
            // the stage asked for it: the receiver's own spans can join the visit's trace
            request.setHeader("traceparent", span.traceparent());
        }
    }

    /** What the routes that send ({@code webhook-post}, {@code webhook-send-to-endpoint}) need to know of the stage. */
    public void aimAt(Exchange exchange, StageConfig stage) {
        DeliveryExchange.of(exchange).aimAt(stage, outbound.poolOf(stage));
    }

    /**
     * The request every attempt (and a ping) sends: stage URL, the stage's headers and the bundle's, from scratch, and the
     * signature over {@code body}.
     */
    public void prepareRequest(Message request, StageConfig stage, String deliveryId, byte[] body) {
        request.removeHeaders("*");
        request.setBody(body);
        // the stage's own headers first; their names never collide with the bundle's (refused at start-up)
        stage.headers().forEach(request::setHeader);
        if (stage.isHttpTarget()) {
            request.setHeader(Exchange.HTTP_URI, stage.url().toString());
        }
        // the enum camel-http reads; the text "POST" cost a type-converter miss on every request (found by profiling)
        request.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
        request.setHeader(Exchange.CONTENT_TYPE, "application/json");
        request.setHeader("User-Agent", userAgent);
        request.setHeader("webhook-id", deliveryId);
        if (stage.hasAuthorization()) {
            request.setHeader("Authorization", stage.authorization());
        }
        if (stage.isSigned()) {
            long timestamp = clock.instant().getEpochSecond();
            request.setHeader("webhook-timestamp", Long.toString(timestamp));
            request.setHeader("webhook-signature", signers.computeIfAbsent(stage.id(),
                    id -> WebhookSigner.of(stage.signingSecrets())).sign(deliveryId, timestamp, body));
        }
    }

    /** The request got no HTTP answer: remember why, so {@link #record} logs it like any other outcome. */
    public void unanswered(Exchange exchange) {
        forgetTheTargetsErrorHandling(exchange);
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        delivery.unanswered(delivery.caught());
    }

    /** Writes the attempt to the delivery log, then fails the attempt unless the receiver answered 2xx. */
    public void record(Exchange exchange) {
        forgetTheTargetsErrorHandling(exchange);
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        Visit visit = delivery.visit();
        StageConfig stage = delivery.stage();
        int attempt = delivery.attemptsMadeOr(0);
        long durationMs = Duration.ofNanos(System.nanoTime() - delivery.attemptStartedNanos()).toMillis();
        Exception unanswered = delivery.unanswered();

        if (unanswered != null) {
            BlockedTargetException blocked = cause(unanswered, BlockedTargetException.class);
            TokenUnavailableException noToken = cause(unanswered, TokenUnavailableException.class);
            AttemptOutcome outcome = blocked != null ? AttemptOutcome.BLOCKED
                    : noToken != null ? AttemptOutcome.FAILED
                    : isTimeout(unanswered) ? AttemptOutcome.TIMED_OUT
                    : stage.isHttpTarget() ? AttemptOutcome.UNREACHABLE : AttemptOutcome.FAILED;
            // a token that could not be had: nothing was sent to the receiver, the token endpoint's answer is the reason
            String error = redaction.redact(stage, noToken != null ? noToken.getMessage()
                    : blocked != null ? "blocked: " + blocked.getMessage() : describe(unanswered, stage));
            DeliveryAttempt logged = entry(visit, stage, attempt, outcome, null, durationMs, error, null);
            // written in the transaction of the visit's next step (the park for a retry, or the move on)
            delivery.attemptRow(log.pending(stage.id(), logged));
            metrics.attempt(stage, outcome.name(), durationMs);
            circuits.attempted(stage, outcome.signal(), durationMs);
            delivery.attemptSpan().end(outcome.name(), null);
            LOG.info("file {} stage {} delivery {} attempt {}/{}: {} after {} ms", visit.itemId(), stage.qualifiedName(),
                    visit.deliveryId(), attempt, stage.attemptBudget(), error, durationMs);
            throw new DeliveryFailedException(error, blocked == null);
        }

        Message response = exchange.getMessage();
        Integer answered = response.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (!stage.isHttpTarget() && answered == null) {
            // a Camel endpoint took the message without an exception: delivered (one that calls HTTP may set a status)
            DeliveryAttempt logged = entry(visit, stage, attempt, AttemptOutcome.DELIVERED, null, durationMs, null, null);
            delivery.attemptRow(log.pending(stage.id(), logged));
            metrics.attempt(stage, AttemptOutcome.DELIVERED.name(), durationMs);
            circuits.attempted(stage, AttemptOutcome.DELIVERED.signal(), durationMs);
            delivery.attemptSpan().end(AttemptOutcome.DELIVERED.name(), null);
            LOG.info("file {} stage {} delivery {} attempt {}/{}: taken by {} in {} ms", visit.itemId(), stage.qualifiedName(),
                    visit.deliveryId(), attempt, stage.attemptBudget(), TargetUrls.masked(stage.url()), durationMs);
            return;
        }
        int status = answered == null ? 0 : answered;
        byte[] head = head(response, stage, status >= 200 && status < 300);
        String excerpt = excerpt(head, stage);
        AttemptOutcome outcome = status >= 200 && status < 300 ? AttemptOutcome.DELIVERED
                : status == 410 ? AttemptOutcome.GONE
                : status >= 400 && status < 500 && status != 408 && status != 429 ? AttemptOutcome.REJECTED
                : AttemptOutcome.FAILED;
        String reason = status == 413 ? "HTTP 413: the receiver refused the payload as too large"
                : status == 410 ? "HTTP 410 Gone: the receiver says this endpoint is gone" : "HTTP " + status;
        DeliveryAttempt logged = entry(visit, stage, attempt, outcome, status, durationMs,
                outcome == AttemptOutcome.DELIVERED ? null : reason, excerpt);
        // written in the transaction of the visit's next step: the move on (delivered, or failed for good) or the park
        // for a retry; one commit per attempt instead of two
        delivery.attemptRow(log.pending(stage.id(), logged));
        metrics.attempt(stage, outcome.name(), durationMs);
        circuits.attempted(stage, outcome.signal(), durationMs);
        delivery.attemptSpan().end(outcome.name(), status);
        LOG.info("file {} stage {} delivery {} attempt {}/{}: HTTP {} in {} ms", visit.itemId(), stage.qualifiedName(),
                visit.deliveryId(), attempt, stage.attemptBudget(), status, durationMs);
        if (outcome == AttemptOutcome.DELIVERED) {
            if (stage.letsTheReceiverChoose()) {
                ReceiversChoice choice = ReceiversChoice.of(head, stage);
                delivery.receiversChoice(choice.stage(), choice.why());
            }
            return;
        }
        Long retryAfter = retryAfterMillis(response.getHeader("Retry-After", String.class));
        if (retryAfter != null) {
            delivery.retryAfter(Duration.ofMillis(retryAfter));
        }
        if (outcome == AttemptOutcome.GONE) {
            circuits.gone(stage);
        }
        throw new DeliveryFailedException(outcome == AttemptOutcome.REJECTED
                ? reason + " (a 4xx answer other than 408, 410 and 429 cannot succeed on retry)" : reason,
                outcome != AttemptOutcome.REJECTED);
    }

    /** The visit succeeded: say so for the router and the transition history (with the receiver's choice, if any). */
    public void delivered(Exchange exchange) {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        String choice = delivery.receiversChoiceWhy();
        delivery.outcome("DELIVERED", "delivered on attempt " + delivery.attemptsMadeOr(0)
                                      + (choice == null ? "" : "; " + choice));
    }

    /** The visit failed for good: log a payload that could not be built (nothing was sent) and say why it ends. */
    public void giveUp(Exchange exchange) {
        DeliveryExchange delivery = DeliveryExchange.of(exchange);
        Exception cause = delivery.caught();
        Visit visit = delivery.visit();
        StageConfig stage = delivery.stage();
        int attempts = delivery.attemptsMadeOr(visit.attemptsMade());
        if (cause instanceof InvalidPayloadException) {
            AttemptOutcome outcome = cause instanceof PayloadTooLargeException ? AttemptOutcome.PAYLOAD_TOO_LARGE
                    : AttemptOutcome.INVALID_PAYLOAD;
            log.record(stage.id(), entry(visit, stage, attempts + 1, outcome, null, 0, redaction.redact(stage, cause.getMessage()), null));
            LOG.warn("file {} stage {}: {}", visit.itemId(), stage.qualifiedName(), cause.getMessage());
        }
        delivery.outcome("FAILED", redaction.redact(stage, cause.getMessage()) + " after " + attempts + " attempt(s)");
    }

    /**
     * A Camel endpoint target may be a route with an error handler of its own; when it gave up it marked the exchange
     * as exhausted, and an exhausted exchange is handled by no further error handler, so the failed attempt would never
     * reach the retry decision (the file would sit in SENDING until its lease expired). The attempt's outcome is
     * decided here, so that mark is cleared.
     */
    private static void forgetTheTargetsErrorHandling(Exchange exchange) {
        exchange.getExchangeExtension().setRedeliveryExhausted(false);
        exchange.getExchangeExtension().setErrorHandlerHandled(null);
        exchange.getExchangeExtension().setFailureHandled(false);
        exchange.removeProperty(Exchange.FAILURE_ENDPOINT);
        exchange.removeProperty(Exchange.FAILURE_ROUTE_ID);
    }

    private DeliveryAttempt entry(Visit visit, StageConfig stage, int attempt, AttemptOutcome outcome, Integer status,
            long durationMs, String error, String excerpt) {
        return new DeliveryAttempt(visit.itemId(), stage.workflow(), stage.name(), visit.deliveryId(), attempt,
                TargetUrls.masked(stage.url()), outcome, status, durationMs, error, excerpt, clock.instant());
    }

    /**
     * The head of the answer: enough for the excerpt (a little further than it, so a secret across its end is found) and,
     * for a delivered answer of a stage that lets the receiver choose, enough to read its {@code next_stage}.
     */
    private byte[] head(Message response, StageConfig stage, boolean delivered) {
        int limit = excerptChars == 0 ? 0 : (excerptChars + redaction.longestSecret(stage)) * 4;
        if (delivered && stage.letsTheReceiverChoose()) {
            limit = Math.max(limit, ReceiversChoice.MOST_BYTES + 1);
        }
        if (limit == 0 || response.getBody() == null) {
            return null;
        }
        try (InputStream in = response.getBody(InputStream.class)) {
            return in == null ? null : in.readNBytes(limit);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The first {@code webhook.response-excerpt-chars} characters of the answer, the stage's secrets taken out (a receiver
     * may echo the request's headers).
     */
    private String excerpt(byte[] head, StageConfig stage) {
        if (excerptChars == 0 || head == null) {
            return null;
        }
        int cut = Math.min(head.length, (excerptChars + redaction.longestSecret(stage)) * 4);
        return redaction.redactAndCut(stage, new String(head, 0, cut, StandardCharsets.UTF_8), excerptChars);
    }

    /** Retry-After in seconds or as an HTTP date, capped by webhook.retry-after.max. */
    Long retryAfterMillis(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        long millis;
        try {
            millis = Long.parseLong(header.trim()) * 1000;
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                millis = Duration.between(clock.instant(), at.toInstant()).toMillis();
            } catch (RuntimeException notADate) {
                return null;
            }
        }
        return Math.max(0, Math.min(millis, retryAfterCap.toMillis()));
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException
                || t.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e, StageConfig stage) {
        if (!stage.isHttpTarget()) {
            // a Camel endpoint's own exception is the reason, as it says it
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
                root = root.getCause();
            }
            return TargetUrls.masked(stage.url()) + " failed: " + root.getClass().getSimpleName()
                   + (root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse(""));
        }
        if (isTimeout(e)) {
            return "no answer within the stage timeout of " + stage.timeoutMillis() + " ms";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                String message = String.valueOf(t.getMessage());
                boolean refusedUs = message.contains("bad_certificate") || message.contains("certificate_required")
                                    || message.contains("certificate_unknown") || message.contains("unknown_ca");
                return "TLS handshake with " + stage.url().getHost() + " failed (" + message + "); " + (refusedUs
                        ? stage.hasClientCertificate()
                                ? "the receiver refused the stage's client certificate: check that it trusts it"
                                : "the receiver asks for a client certificate: give the stage a client_certificate"
                        : "a receiver behind a private CA needs that CA in webhook.tls.trust-store");
            }
            if (t instanceof ConnectException) {
                return "connection refused by " + stage.url().getHost();
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + stage.url().getHost();
            }
        }
        return "no answer: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
