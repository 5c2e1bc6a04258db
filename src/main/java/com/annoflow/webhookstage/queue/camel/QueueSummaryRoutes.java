package com.annoflow.webhookstage.queue.camel;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.annoflow.webhookstage.queue.FileStatus;
import com.annoflow.webhookstage.storage.Storage;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * Engine route (housekeeping): one line about the queue while work is pending, so an operator sees it move. Two
 * statements through camel-sql (the files waiting and being sent per stage; what ended in the last interval) and one
 * step that writes the line. {@code direct:queue-summary} answers the line (null when there is nothing to report).
 */
public final class QueueSummaryRoutes extends RouteBuilder {

    private static final String DATA_SOURCE = "?dataSource=#webhookDataSource";

    private final Clock clock;
    private final Duration interval;

    public QueueSummaryRoutes(Clock clock, Duration interval) {
        this.clock = clock;
        this.interval = interval;
    }

    @Override
    public void configure() {
        from("quartz://webhook/queue-summary?stateful=true&trigger.repeatInterval=" + interval.toMillis())
                .routeId("queue-summary")
                .to("direct:queue-summary")
                .filter(body().isNotNull())
                    .log(LoggingLevel.INFO, "webhook.queue", "${body}");

        from("direct:queue-summary")
                .routeId("queue-summary-line")
                .setHeader("since", () -> Storage.utc(clock.instant().minus(interval)))
                .to("sql:SELECT s.workflow_name, s.name, a.status, COUNT(*) AS files FROM assignment a"
                    + " JOIN stage s ON s.id = a.stage_id WHERE a.status IN ('QUEUED', 'SENDING', 'WAITING')"
                    + " GROUP BY s.workflow_name, s.name, a.status ORDER BY s.workflow_name, s.name, a.status"
                    + DATA_SOURCE + "&outputHeader=pending")
                .to("sql:SELECT reason, COUNT(*) AS files FROM stage_transition"
                    + " WHERE reason IN ('DELIVERED', 'FAILED') AND moved_at >= :#since GROUP BY reason"
                    + DATA_SOURCE + "&outputHeader=ended")
                .setBody(exchange -> line(exchange.getMessage().getHeader("pending", List.class),
                        exchange.getMessage().getHeader("ended", List.class), interval))
                .removeHeaders("pending|ended|since");
    }

    /** "queue: flow/send queued 3, …; last 30s: 12 delivered, 1 failed (0.4 files/s)", or null with nothing to say. */
    static String line(List<Map<String, Object>> pending, List<Map<String, Object>> ended, Duration interval) {
        StringBuilder waiting = new StringBuilder();
        for (Map<String, Object> row : pending) {
            waiting.append(waiting.isEmpty() ? "" : ", ").append(row.get("workflow_name")).append('/').append(row.get("name"))
                    .append(' ').append(FileStatus.describe((String) row.get("status"))).append(' ').append(row.get("files"));
        }
        long delivered = files(ended, "DELIVERED");
        long failed = files(ended, "FAILED");
        if (waiting.isEmpty() && delivered + failed == 0) {
            return null;
        }
        double perSecond = (delivered + failed) / Math.max(1.0, interval.toMillis() / 1000.0);
        return "queue: " + (waiting.isEmpty() ? "nothing waiting" : waiting) + "; last " + interval.toSeconds() + "s: "
               + delivered + " delivered, " + failed + " failed (" + String.format(Locale.ROOT, "%.1f", perSecond)
               + " files/s)";
    }

    private static long files(List<Map<String, Object>> ended, String reason) {
        return ended.stream().filter(row -> reason.equals(row.get("reason")))
                .mapToLong(row -> ((Number) row.get("files")).longValue()).sum();
    }
}
