package com.annoflow.webhookstage.endpointhealth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.annoflow.webhookstage.storage.Storage;
import com.annoflow.webhookstage.workflow.RetrySchedule;
import com.annoflow.webhookstage.workflow.StageConfig;
import com.annoflow.webhookstage.workflow.WorkflowCatalog;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Endpoint health: one circuit breaker (Resilience4j) per webhook stage. When too many attempts of a stage fail within
 * the window, the stage <em>pauses</em>: its files stay assigned and unclaimed, files already claimed go back to the
 * queue before their next attempt (the attempt is not counted), and a probe (a ping, moving no file) is sent every probe
 * interval; the first probe answered 2xx resumes the stage. Operators can pause and resume a stage by hand; a manual
 * pause is stored in the database, so every instance honours it and it survives restarts.
 *
 * <p>The automatic circuit is per instance (each instance judges the endpoint from its own attempts); see
 * docs/operations.md.
 */
public final class StageCircuits {

    /** Why a stage is not sending. */
    public enum State { SENDING, PAUSED_BY_FAILURES, PROBING, PAUSED_BY_OPERATOR, PAUSED_GONE }

    /** Sends one probe to a stage and says whether it was answered 2xx. */
    public interface Prober {
        boolean answers(StageConfig stage) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger("webhook.endpoint-health");

    private final Storage storage;
    private final WorkflowCatalog catalog;
    private final Clock clock;
    private final EndpointHealthSettings settings;
    private final Map<Long, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<Long, Instant> openedAt = new ConcurrentHashMap<>();
    private volatile Map<Long, OperatorPause> operatorPauses = Map.of();
    private volatile Consumer<Set<Long>> pausedStagesListener = ids -> { };
    private final MeterRegistry meters;

    /**
     * A pause stored in the database, which only an operator lifts: one an operator asked for (cause OPERATOR), or the
     * receiver's 410 Gone (cause GONE).
     */
    public record OperatorPause(String by, String reason, Instant at, String cause) {

        boolean isGone() {
            return GONE.equals(cause);
        }
    }

    private static final String GONE = "GONE";
    /**
     * What a failed attempt tells the breaker, made once and without a stack trace: the breaker only counts it, and
     * filling a new one's stack trace on every failed attempt cost the delivery thread for nothing.
     */
    private static final Exception ENDPOINT_FAILED = new Exception("the endpoint failed", null, false, false) {
    };
    /** Failed attempts in a row, per stage, across its files; a success resets it. */
    private final Map<Long, AtomicInteger> failuresInARow = new ConcurrentHashMap<>();
    /** Stages whose circuit a run of failures in a row opened (for the log line that says why). */
    private final Set<Long> openedByARun = ConcurrentHashMap.newKeySet();

    public StageCircuits(Storage storage, WorkflowCatalog catalog, Clock clock, EndpointHealthSettings settings,
            MeterRegistry meters) {
        this.storage = storage;
        this.catalog = catalog;
        this.clock = clock;
        this.settings = settings;
        this.meters = meters;
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                .slidingWindowSize((int) Math.max(1, settings.window().toSeconds()))
                .minimumNumberOfCalls(settings.minimumAttempts())
                .failureRateThreshold(settings.failureRatePercent())
                // the probe route moves an open circuit to half-open; one probe decides
                .waitDurationInOpenState(settings.probeInterval())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .permittedNumberOfCallsInHalfOpenState(1)
                .maxWaitDurationInHalfOpenState(settings.probeInterval().multipliedBy(2))
                .build();
        for (StageConfig stage : catalog.stages()) {
            if (!stage.type().isAutomated()) {
                continue;
            }
            CircuitBreaker breaker = CircuitBreaker.of(stage.qualifiedName(), config);
            if (!settings.enabled()) {
                breaker.transitionToDisabledState();
            }
            breaker.getEventPublisher().onStateTransition(event -> transitioned(stage, event.getStateTransition()));
            breakers.put(stage.id(), breaker);
            Gauge.builder("webhook.stage.paused", () -> state(stage) == State.SENDING ? 0 : 1)
                    .description("1 while the webhook stage is not sending (circuit open, probing, or paused by an operator)")
                    .tags("workflow", stage.workflow(), "stage", stage.name())
                    .strongReference(true).register(meters);
        }
        refreshOperatorPauses();
    }

    /** Told the set of stage ids whose files must not be claimed, each time it changes. */
    public void onPausedStagesChange(Consumer<Set<Long>> listener) {
        this.pausedStagesListener = listener;
        listener.accept(pausedStageIds());
    }

    public State state(StageConfig stage) {
        OperatorPause pause = operatorPauses.get(stage.id());
        if (pause != null) {
            return pause.isGone() ? State.PAUSED_GONE : State.PAUSED_BY_OPERATOR;
        }
        CircuitBreaker breaker = breakers.get(stage.id());
        if (breaker == null) {
            return State.SENDING;
        }
        return switch (breaker.getState()) {
            case OPEN, FORCED_OPEN -> State.PAUSED_BY_FAILURES;
            case HALF_OPEN -> State.PROBING;
            default -> State.SENDING;
        };
    }

    /**
     * Counts an attempt for the stage's circuit: an answer other than 5xx/408/429 shows the endpoint is up. Besides the
     * failure rate over the window, a run of {@code webhook.circuit.consecutive-failures} failed attempts in a row
     * (across the stage's files) pauses a stage that made too few attempts in the window for the rate to count, so a
     * stage with a handful of files pauses and probes too.
     */
    public void attempted(StageConfig stage, EndpointSignal signal, long durationMs) {
        CircuitBreaker breaker = breakers.get(stage.id());
        if (breaker == null) {
            return;
        }
        AtomicInteger inARow = failuresInARow.computeIfAbsent(stage.id(),
                id -> new AtomicInteger());
        switch (signal) {
            case UP -> {
                inARow.set(0);
                breaker.onSuccess(durationMs, TimeUnit.MILLISECONDS);
            }
            case DOWN -> {
                breaker.onError(durationMs, TimeUnit.MILLISECONDS, ENDPOINT_FAILED);
                int failed = inARow.incrementAndGet();
                // only while the window holds too few attempts for the rate to judge (a quiet stage): a busy stage with
                // a fifth of its attempts failing at random sees five in a row every few thousand attempts
                if (failed >= settings.consecutiveFailures() && breaker.getState() == CircuitBreaker.State.CLOSED
                    && breaker.getMetrics().getNumberOfBufferedCalls() < settings.minimumAttempts()) {
                    inARow.set(0);
                    openedByARun.add(stage.id());
                    breaker.transitionToOpenState();
                }
            }
            case NOTHING -> { } // blocked targets, bad payloads and 410 (handled by gone) say nothing about the failure rate
        }
    }

    /**
     * The receiver answered 410 Gone (Standard Webhooks: disable the endpoint): the stage pauses on every instance with
     * reason "gone", its files keep waiting with their due times, and only an operator's resume lifts it (probes do not).
     */
    public void gone(StageConfig stage) {
        if (!settings.enabled() || state(stage) == State.PAUSED_GONE) {
            return;
        }
        Instant now = clock.instant();
        storage.transactions().executeWithoutResult(tx -> {
            storage.jdbc().update("DELETE FROM stage_pause WHERE stage_id = ?", stage.id());
            storage.jdbc().update("INSERT INTO stage_pause (stage_id, paused_by, reason, paused_at, cause)"
                                  + " VALUES (?, 'receiver', 'gone', ?, ?)", stage.id(), Storage.utc(now), GONE);
        });
        LOG.warn("stage {} paused: its receiver answered 410 Gone; its files wait with their due times until an operator"
                 + " resumes it (POST /api/workflows/{}/stages/{}/resume)", stage.qualifiedName(), stage.workflow(),
                stage.name());
        refreshOperatorPauses();
    }

    /**
     * Probes every stage whose circuit is open and whose probe is due; the probe's answer closes the circuit (2xx) or
     * keeps it open for another probe interval. Called by the endpoint-probe route.
     */
    public void probeDue(Prober prober) {
        refreshOperatorPauses();
        for (StageConfig stage : catalog.stages()) {
            CircuitBreaker breaker = breakers.get(stage.id());
            if (breaker == null || breaker.getState() != CircuitBreaker.State.OPEN || operatorPauses.containsKey(stage.id())) {
                continue;
            }
            // true once the wait in the open state is over: the circuit is now half-open and this is its one probe
            if (!breaker.tryAcquirePermission()) {
                continue;
            }
            long started = System.nanoTime();
            boolean answered = false;
            String error = null;
            try {
                answered = prober.answers(stage);
            } catch (Exception e) {
                error = e.getClass().getSimpleName();
            } finally {
                long ms = (System.nanoTime() - started) / 1_000_000;
                if (answered) {
                    breaker.onSuccess(ms, TimeUnit.MILLISECONDS);
                } else {
                    breaker.onError(ms, TimeUnit.MILLISECONDS, new IllegalStateException("probe failed"));
                    LOG.info("stage {}: probe not answered 2xx{}; still paused, next probe in {}", stage.qualifiedName(),
                            error == null ? "" : " (" + error + ")",
                            RetrySchedule.roughly(settings.probeInterval()));
                }
            }
        }
    }

    /** An operator stops the stage's sending on every instance until {@link #resume}. */
    public void pause(StageConfig stage, String by, String reason) {
        Instant now = clock.instant();
        storage.transactions().executeWithoutResult(tx -> {
            storage.jdbc().update("DELETE FROM stage_pause WHERE stage_id = ?", stage.id());
            storage.jdbc().update("INSERT INTO stage_pause (stage_id, paused_by, reason, paused_at, cause)"
                                  + " VALUES (?, ?, ?, ?, 'OPERATOR')", stage.id(), by, reason, Storage.utc(now));
        });
        LOG.warn("stage {} paused by {}{}; its files wait in the queue until it is resumed", stage.qualifiedName(), by,
                reason == null ? "" : " (" + reason + ")");
        refreshOperatorPauses();
    }

    /** An operator resumes the stage: lifts a manual pause and closes an open circuit without waiting for a probe. */
    public void resume(StageConfig stage, String by) {
        storage.jdbc().update("DELETE FROM stage_pause WHERE stage_id = ?", stage.id());
        CircuitBreaker breaker = breakers.get(stage.id());
        if (breaker != null && settings.enabled() && breaker.getState() != CircuitBreaker.State.CLOSED) {
            breaker.transitionToClosedState();
        }
        LOG.warn("stage {} resumed by {}", stage.qualifiedName(), by);
        refreshOperatorPauses();
    }

    /** What the API shows for a stage. */
    public Map<String, Object> describe(StageConfig stage) {
        Map<String, Object> view = new LinkedHashMap<>();
        State state = state(stage);
        view.put("state", state.name());
        OperatorPause pause = operatorPauses.get(stage.id());
        if (pause != null) {
            view.put("paused_by", pause.by());
            view.put("paused_at", pause.at().toString());
            if (pause.reason() != null) {
                view.put("reason", pause.reason());
            }
        }
        CircuitBreaker breaker = breakers.get(stage.id());
        if (breaker != null) {
            CircuitBreaker.Metrics m = breaker.getMetrics();
            view.put("circuit", breaker.getState().name());
            view.put("recent_attempts", m.getNumberOfBufferedCalls());
            view.put("recent_failures", m.getNumberOfFailedCalls());
            view.put("failure_rate_percent", m.getFailureRate() < 0 ? null : m.getFailureRate());
            Instant opened = openedAt.get(stage.id());
            if (opened != null && state != State.SENDING) {
                view.put("paused_since", opened.toString());
                view.put("probe_interval_s", settings.probeInterval().toSeconds());
            }
        }
        return view;
    }

    /**
     * Reads the manual pauses from the database (another instance may have set or lifted one) and tells the queue.
     * One refresh at a time, from its read to its write: the endpoint-probe route refreshes every 5 s, and a refresh
     * that had read the pauses just before an operator's resume (or pause) and wrote them after the resume's own
     * refresh put the stage back as it was, on this instance, until the next refresh (a benchmark run sent nothing for
     * 5.0 s after a resume; APauseOrResumeIsNotUndoneByARefreshBesideItTest).
     */
    public synchronized void refreshOperatorPauses() {
        Map<Long, OperatorPause> pauses = new ConcurrentHashMap<>();
        storage.jdbc().query("SELECT stage_id, paused_by, reason, paused_at, cause FROM stage_pause", rs -> {
            pauses.put(rs.getLong("stage_id"), new OperatorPause(rs.getString("paused_by"), rs.getString("reason"),
                    Storage.instant(rs.getObject("paused_at")),
                    rs.getString("cause")));
        });
        boolean changed = !pauses.equals(operatorPauses);
        operatorPauses = Map.copyOf(pauses);
        if (changed) {
            publishPausedStages();
        }
    }

    Set<Long> pausedStageIds() {
        Set<Long> ids = new HashSet<>(operatorPauses.keySet());
        breakers.forEach((id, breaker) -> {
            if (breaker.getState() == CircuitBreaker.State.OPEN || breaker.getState() == CircuitBreaker.State.HALF_OPEN
                || breaker.getState() == CircuitBreaker.State.FORCED_OPEN) {
                ids.add(id);
            }
        });
        return Set.copyOf(ids);
    }

    private void transitioned(StageConfig stage, CircuitBreaker.StateTransition transition) {
        CircuitBreaker breaker = breakers.get(stage.id());
        switch (transition.getToState()) {
            case OPEN -> {
                if (transition.getFromState() == CircuitBreaker.State.CLOSED) {
                    openedAt.put(stage.id(), clock.instant());
                    Counter.builder("webhook.stage.pauses").description("Times a webhook stage paused because its endpoint kept failing")
                            .tags("workflow", stage.workflow(), "stage", stage.name()).register(meters).increment();
                    CircuitBreaker.Metrics m = breaker == null ? null : breaker.getMetrics();
                    String why = openedByARun.remove(stage.id())
                            ? settings.consecutiveFailures() + " attempts in a row failed (webhook.circuit.consecutive-failures)"
                            : (m == null ? "?" : m.getNumberOfFailedCalls()) + " of its last "
                              + (m == null ? "?" : m.getNumberOfBufferedCalls()) + " attempts failed (threshold "
                              + settings.failureRatePercent() + "% over " + settings.window().toSeconds() + "s)";
                    LOG.warn("stage {} paused: {}; its files wait with their due times, charged no attempt, and the"
                             + " endpoint is probed every {}", stage.qualifiedName(), why,
                            RetrySchedule.roughly(settings.probeInterval()));
                }
            }
            case CLOSED -> {
                Instant opened = openedAt.remove(stage.id());
                LOG.warn("stage {} resumed sending{}", stage.qualifiedName(), opened == null ? ""
                        : " after " + Duration.between(opened, clock.instant()).toSeconds() + "s paused: the endpoint answers");
            }
            default -> { }
        }
        publishPausedStages();
    }

    /** Tells the queue which stages are paused now; under the same lock as a refresh, so no older view lands last. */
    private synchronized void publishPausedStages() {
        pausedStagesListener.accept(pausedStageIds());
    }
}
