package dev.trpo.app.security;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/** Running a {@code trpo} command in-process and keeping what it printed, for the security tests. */
final class Commands {
    private Commands() {
    }

    /** What a command printed and returned. */
    record Captured(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs a command with System.out and System.err captured (picocli and the commands print there). */
    static Captured capture(Callable<Integer> command) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = command.call();
            return new Captured(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** Runs an action whose failure is expected with the Kafka clients' own error log turned off. */
    static <T> T quietly(Callable<T> action) throws Exception {
        Logger kafkaLog = (Logger) LoggerFactory.getLogger("org.apache.kafka");
        Level before = kafkaLog.getLevel();
        kafkaLog.setLevel(Level.OFF);
        try {
            return action.call();
        } finally {
            kafkaLog.setLevel(before);
        }
    }
}
