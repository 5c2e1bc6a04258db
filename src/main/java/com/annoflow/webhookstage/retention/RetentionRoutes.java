package com.annoflow.webhookstage.retention;

import java.time.Clock;

import com.annoflow.webhookstage.queue.FileRemoval;
import com.annoflow.webhookstage.storage.Storage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.Predicate;
import org.apache.camel.builder.RouteBuilder;

/**
 * Engine route: a Quartz job (clustered on PostgreSQL, so one instance runs it) that deletes delivery-log and transition
 * rows older than {@code webhook.retention.keep} every {@code webhook.retention.interval}, through camel-sql. Each
 * statement deletes at most {@code webhook.retention.batch-size} rows (its own short transaction, so a purge never holds
 * long locks or a huge undo log), and a table is done when a batch comes back short. The queue itself is never purged,
 * and before transitions go, the fact that a file passed a webhook stage is kept in {@code stage_passed}: no file can
 * be lost, re-sent or locked out of the workers' rule by retention. That insert skips marks already kept, so a stop
 * between it and its delete leaves nothing to repair.
 */
public final class RetentionRoutes extends RouteBuilder {

    private static final String DATA_SOURCE = "?dataSource=#webhookDataSource";
    private static final String UPDATE_COUNT = "CamelSqlUpdateCount";
    /** A transition {@code t} that does not record that its file passed a webhook stage. */
    private static final String NOT_A_PASSED_STAGE = "t.from_stage_id IS NULL OR t.reason NOT IN ('DELIVERED', 'FAILED')";

    private final Clock clock;
    private final RetentionSettings settings;
    private final MeterRegistry meters;
    private final FileRemoval removal;

    public RetentionRoutes(Clock clock, RetentionSettings settings, MeterRegistry meters, FileRemoval removal) {
        this.clock = clock;
        this.settings = settings;
        this.meters = meters;
        this.removal = removal;
    }

    @Override
    public void configure() {
        from("quartz://webhook/retention?stateful=true&trigger.repeatInterval=" + settings.interval().toMillis())
                .routeId("retention")
                .onException(Exception.class).handled(true)
                    .log(LoggingLevel.WARN, "webhook.retention", "retention purge stopped: ${exception.message}; it runs"
                                                                 + " again in " + settings.interval().toMinutes() + " min")
                .end()
                .setHeader("cutoff", () -> Storage.utc(clock.instant().minus(settings.keep())))
                .setVariable("attempts", constant(0))
                .setVariable("transitions", constant(0))
                .loopDoWhile(batchWasFull())
                    .to("sql:DELETE FROM delivery_attempt WHERE id IN (" + oldest("delivery_attempt", "attempted_at") + ")"
                        + DATA_SOURCE)
                    .process(exchange -> addDeleted(exchange, "attempts"))
                .end()
                .removeHeader(UPDATE_COUNT)
                .loopDoWhile(batchWasFull())
                    .to("sql:INSERT INTO stage_passed (item_id, stage_id) SELECT DISTINCT t.item_id, t.from_stage_id"
                        + " FROM stage_transition t WHERE t.id IN (" + oldest("stage_transition", "moved_at") + ")"
                        + " AND NOT (" + NOT_A_PASSED_STAGE + ") AND NOT EXISTS"
                        + " (SELECT 1 FROM stage_passed p WHERE p.item_id = t.item_id AND p.stage_id = t.from_stage_id)"
                        + DATA_SOURCE)
                    // chooses its batch anew, so it may hold rows that aged after the insert chose its own: a
                    // transition that marks a passed webhook stage goes only once its mark is kept (the next run
                    // marks and deletes it; the batch comes back short, so this run stops here)
                    .to("sql:DELETE FROM stage_transition t WHERE t.id IN (" + oldest("stage_transition", "moved_at") + ")"
                        + " AND (" + NOT_A_PASSED_STAGE + " OR EXISTS (SELECT 1 FROM stage_passed p"
                        + " WHERE p.item_id = t.item_id AND p.stage_id = t.from_stage_id))" + DATA_SOURCE)
                    .process(exchange -> addDeleted(exchange, "transitions"))
                .end()
                .setVariable("files", constant(0))
                .loopDoWhile(this::moreCompleteFilesToRemove)
                    // files that sat in a complete stage longer than webhook.retention.complete-files-after, with their
                    // annotations, attempts and history; a batch per transaction
                    .process(exchange -> {
                        int removed = removal.removeCompleteBefore(
                                clock.instant().minus(settings.completeFilesAfter()), completeFilesPerBatch());
                        exchange.setVariable("lastFiles", removed);
                        exchange.setVariable("files", exchange.getVariable("files", Integer.class) + removed);
                    })
                .end()
                .process(exchange -> {
                    count("delivery_attempt", exchange.getVariable("attempts", Integer.class));
                    count("stage_transition", exchange.getVariable("transitions", Integer.class));
                    count("file", exchange.getVariable("files", Integer.class));
                })
                .filter(simple("${variable.attempts} > 0 || ${variable.transitions} > 0 || ${variable.files} > 0"))
                    .log(LoggingLevel.INFO, "webhook.retention", "retention purged rows older than " + settings.keep()
                                                                 + ": ${variable.attempts} delivery attempt(s),"
                                                                 + " ${variable.transitions} transition(s); files removed"
                                                                 + " from complete stages: ${variable.files}");
    }

    /** Before the first batch of a table (no count yet) and while the last one was full. */
    private Predicate batchWasFull() {
        return simple("${header." + UPDATE_COUNT + "} == null || ${header." + UPDATE_COUNT + "} == " + settings.batchSize());
    }

    /** Before the first batch of complete files (when they are removed at all) and while the last one was full. */
    private boolean moreCompleteFilesToRemove(Exchange exchange) {
        Integer last = exchange.getVariable("lastFiles", Integer.class);
        return settings.removesCompleteFiles() && (last == null || last == completeFilesPerBatch());
    }

    private int completeFilesPerBatch() {
        return Math.min(settings.batchSize(), FileRemoval.MOST_PER_BATCH);
    }

    /** The ids of the oldest rows of a table older than the cutoff, one batch of them. */
    private String oldest(String table, String timeColumn) {
        return "SELECT id FROM " + table + " WHERE " + timeColumn + " < :#cutoff ORDER BY id FETCH FIRST "
               + settings.batchSize() + " ROWS ONLY";
    }

    /** Adds the rows the last statement deleted to the run's count in {@code variable}. */
    private static void addDeleted(Exchange exchange, String variable) {
        exchange.setVariable(variable, exchange.getVariable(variable, Integer.class)
                                       + exchange.getMessage().getHeader(UPDATE_COUNT, Integer.class));
    }

    private void count(String table, int rows) {
        Counter.builder("webhook.retention.purged").description("Rows deleted by the retention job").tag("table", table)
                .register(meters).increment(rows);
    }
}
