package com.annoflow.webhookstage.support;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every log line the process writes while attached, at DEBUG and above, with stack traces: the production log4j2.xml
 * stays in force (its guards included), only the root level is lowered. Attached from its construction to its
 * {@link #close()}, or, made by {@link #whileTheClassRuns()} and registered as a JUnit extension ordered before the
 * bundle's, from before the class's bundle starts until after it stops.
 */
public final class CapturedLogs implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Level level;
    private AbstractAppender appender;
    private Level previousRootLevel;

    public CapturedLogs() {
        this(Level.DEBUG);
    }

    /** Lines at {@code level} and above; the root level is lowered to it (or raised, for a quieter test). */
    public CapturedLogs(Level level) {
        this(level, true);
    }

    private CapturedLogs(Level level, boolean attachNow) {
        this.level = level;
        if (attachNow) {
            attach();
        }
    }

    /** Lines at DEBUG and above while the test class runs: register it as an extension. */
    public static CapturedLogs whileTheClassRuns() {
        return new CapturedLogs(Level.DEBUG, false);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        attach();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void attach() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        appender = new AbstractAppender("captured", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ')
                        .append(event.getMessage().getFormattedMessage());
                if (event.getThrown() != null) {
                    StringWriter trace = new StringWriter();
                    event.getThrown().printStackTrace(new PrintWriter(trace));
                    line.append('\n').append(trace);
                }
                lines.add(line.toString());
            }
        };
        appender.start();
        config.addAppender(appender);
        previousRootLevel = config.getRootLogger().getLevel();
        config.getRootLogger().addAppender(appender, level, null);
        config.getRootLogger().setLevel(level);
        context.updateLoggers();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        if (appender == null) {
            return;
        }
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        config.getRootLogger().removeAppender("captured");
        config.getRootLogger().setLevel(previousRootLevel);
        context.updateLoggers();
        appender.stop();
        appender = null;
    }
}
