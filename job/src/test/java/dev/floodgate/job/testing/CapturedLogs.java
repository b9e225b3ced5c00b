package dev.floodgate.job.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log line of this JVM (JobManager, TaskManagers, Kafka clients) while open, with the stack
 * traces of logged exceptions, for assertions about what is logged. The given loggers are raised to
 * INFO meanwhile (the tests' configuration keeps Kafka at ERROR), so that the clients' own
 * configuration dumps are part of it; their levels are restored on close.
 */
public final class CapturedLogs implements AutoCloseable {
    private final StringBuffer text = new StringBuffer();
    private final AbstractAppender appender;
    private final Map<String, Level> previous = new LinkedHashMap<>();

    private CapturedLogs(String... loggersAtInfo) {
        appender =
                new AbstractAppender("captured-logs", null, null, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        StringBuilder line =
                                new StringBuilder(event.getLoggerName())
                                        .append(' ')
                                        .append(event.getMessage().getFormattedMessage())
                                        .append('\n');
                        if (event.getThrown() != null) {
                            StringWriter trace = new StringWriter();
                            event.getThrown().printStackTrace(new PrintWriter(trace));
                            line.append(trace);
                        }
                        text.append(line);
                    }
                };
        appender.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        for (String name : loggersAtInfo) {
            previous.put(name, LogManager.getLogger(name).getLevel());
            Configurator.setLevel(name, Level.INFO);
        }
        ctx.updateLoggers();
    }

    public static CapturedLogs start(String... loggersAtInfo) {
        return new CapturedLogs(loggersAtInfo);
    }

    /** Everything logged so far. */
    public String text() {
        return text.toString();
    }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
        previous.forEach(Configurator::setLevel);
        ctx.updateLoggers();
        appender.stop();
    }
}
