package dev.trpo.app.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One component of the pipeline as an OS process with a fixed command line: every start (the first and each
 * restart after a kill) runs the same arguments, and writes standard output and error to its own log,
 * {@code <logs>/<name>-<n>.log} with n counting starts from 0.
 */
final class ChildProcess {
    private final String name;
    private final List<String> command;
    private final Path logs;
    private Process process;
    private int starts;
    /** True from a stop this harness asked for (kill or SIGTERM) until the next start. */
    private boolean stopRequested;

    /**
     * @param name    the component, e.g. {@code connector}; names the log files
     * @param command the full command line, {@code java ... dev.trpo.app.Main <subcommand> ...}
     * @param logs    folder of the log files (created when missing)
     */
    ChildProcess(String name, List<String> command, Path logs) {
        this.name = name;
        this.command = List.copyOf(command);
        this.logs = logs;
    }

    String name() {
        return name;
    }

    /** The command line every start runs. */
    List<String> command() {
        return command;
    }

    /** Starts the process once more with the same command line. */
    synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        Files.createDirectories(logs);
        Path log = logs.resolve(name + "-" + starts + ".log");
        starts++;
        stopRequested = false;
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** SIGKILL (Process.destroyForcibly is SIGKILL on Linux), then waits for the process to be gone. */
    synchronized void kill() throws InterruptedException {
        stopRequested = true;
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * SIGTERM, and SIGKILL when the process is still there after {@code grace}.
     *
     * @return true when the process stopped on SIGTERM within the grace period (or was not running)
     */
    synchronized boolean terminate(Duration grace) throws InterruptedException {
        stopRequested = true;
        if (process == null || !process.isAlive()) {
            return true;
        }
        process.destroy();
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        return false;
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The exit code of a process that ended without this harness stopping it, if it did. */
    synchronized Optional<Integer> exitedOnItsOwn() {
        if (process == null || process.isAlive() || stopRequested) {
            return Optional.empty();
        }
        return Optional.of(process.exitValue());
    }

    /** How many times the process was started. */
    synchronized int starts() {
        return starts;
    }

    /** The log of the newest start. */
    synchronized Path currentLog() {
        return logs.resolve(name + "-" + Math.max(0, starts - 1) + ".log");
    }

    /** The last {@code n} lines of the newest start's log. */
    List<String> tail(int n) {
        List<String> lines = readLines(currentLog());
        return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /**
     * Polls the newest start's log until a line matches, the process ends, or the deadline passes.
     *
     * @return the first match
     * @throws IllegalStateException when the process ended or the wait timed out, with the log's tail
     */
    Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : readLines(currentLog())) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited before printing '" + pattern + "': "
                        + String.join(" | ", tail(5)));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " printed no '" + pattern + "' within " + timeout.toSeconds()
                        + " s: " + String.join(" | ", tail(5)));
            }
            Thread.sleep(100);
        }
    }

    private static List<String> readLines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
