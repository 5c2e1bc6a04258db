package com.annoflow.webhookstage.queue.camel;

import java.time.Duration;

import com.annoflow.webhookstage.queue.FileHistory;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/** Engine route (housekeeping): one line about the queue while work is pending, so an operator sees it move. */
public final class QueueSummaryRoutes extends RouteBuilder {

    private final FileHistory history;
    private final Duration interval;

    public QueueSummaryRoutes(FileHistory history, Duration interval) {
        this.history = history;
        this.interval = interval;
    }

    @Override
    public void configure() {
        from("quartz://webhook/queue-summary?stateful=true&trigger.repeatInterval=" + interval.toMillis())
                .routeId("queue-summary")
                .setBody(exchange -> history.summary(interval))
                .filter(body().isNotNull())
                    .log(LoggingLevel.INFO, "webhook.queue", "${body}");
    }
}
