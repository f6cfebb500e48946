package dev.trpo.app.train;

import java.nio.file.Path;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;

/**
 * Where a training run's log lines go: every line to {@code train.log} in the run folder, and on a terminal only
 * warnings and errors to the console, so the progress bar is not torn by one line per update.
 */
final class RunLog implements AutoCloseable {
    private final FileAppender<ILoggingEvent> file;
    private final ThresholdFilter consoleFilter;
    private final Appender<ILoggingEvent> console;

    private RunLog(FileAppender<ILoggingEvent> file, ThresholdFilter consoleFilter, Appender<ILoggingEvent> console) {
        this.file = file;
        this.consoleFilter = consoleFilter;
        this.console = console;
    }

    /** Starts copying the log to {@code logFile}; with {@code quietConsole}, the console shows warnings only. */
    static RunLog start(Path logFile, boolean quietConsole) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return new RunLog(null, null, null);
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(context);
        file.setName("trpo-run-file");
        file.setFile(logFile.toString());
        file.setAppend(true);
        file.setEncoder(encoder);
        file.start();
        root.addAppender(file);
        context.getLogger("dev.trpo").setLevel(Level.INFO);
        Appender<ILoggingEvent> console = root.getAppender("STDERR");
        ThresholdFilter filter = null;
        if (quietConsole && console != null) {
            filter = new ThresholdFilter();
            filter.setLevel("WARN");
            filter.start();
            console.addFilter(filter);
        }
        return new RunLog(file, filter, console);
    }

    @Override
    public void close() {
        if (file == null) {
            return;
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(file);
        file.stop();
        if (consoleFilter != null) {
            console.clearAllFilters();
        }
    }
}
