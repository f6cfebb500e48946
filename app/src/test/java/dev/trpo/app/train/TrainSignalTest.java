package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.trpo.app.Cli;
import dev.trpo.app.eval.EvalCommand;
import dev.trpo.schemas.PolicySnapshot;

/** {@code trpo train} as a real OS process, on its own embedded broker: a signal stops it with its results kept. */
class TrainSignalTest {
    @TempDir
    Path tmp;

    @Test
    void sigtermStopsTheRunAtItsVersionAndWritesTheRunFolder() throws Exception {
        Path run = tmp.resolve("run");
        Path out = tmp.resolve("stdout.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "dev.trpo.app.Main", "train",
                "--env", "CartPole-v1", "--run-id", "signal", "--run-dir", run.toString(), "--metrics-port", "0",
                "--eval-every", "0", "--timeout", "PT10M")
                .redirectOutput(out.toFile()).redirectError(tmp.resolve("stderr.txt").toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!read(run.resolve("train.log")).contains("policy received topic=trpo.signal.policies version=3 ")) {
                assertTrue(p.isAlive(), () -> "train exited early: " + read(tmp.resolve("stderr.txt")));
                assertTrue(System.nanoTime() < deadline, "no version 3 within 120 s");
                Thread.sleep(100);
            }
            // the run names its embedded broker, and that command follows it from outside while it trains
            Matcher hint = Pattern
                    .compile("follow the run from another terminal: \\./trpo watch --bootstrap-servers (\\S+) --run-id (\\S+)")
                    .matcher(read(tmp.resolve("stderr.txt")));
            assertTrue(hint.find(), () -> "no watch command in: " + read(tmp.resolve("stderr.txt")));
            assertEquals("signal", hint.group(2));
            Cli.Result watched = Cli.run("watch", "--bootstrap-servers", hint.group(1), "--run-id", hint.group(2),
                    "--until-version", "3");
            assertEquals(0, watched.code(), watched.err());
            assertTrue(watched.out().lines().anyMatch(l -> l.matches("v([3-9]|[1-9]\\d+)  steps [\\d,]+  episodes .*")),
                    watched.out());
            assertTrue(watched.out().contains("| run                     | signal "), watched.out());
            p.destroy(); // SIGTERM, as Ctrl-C's SIGINT or a stopped container
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "train stops within 90 s of SIGTERM");
        } finally {
            p.destroyForcibly();
        }

        assertTrue(p.exitValue() != 0, "a signalled run is not a success");
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = new ObjectMapper().readValue(run.resolve("summary.json").toFile(), Map.class);
        assertEquals(TrainCommand.INTERRUPTED, summary.get("stop_reason"));
        long version = ((Number) summary.get("policy_version")).longValue();
        assertTrue(version >= 3 && version < 98, "stopped at version " + version + ", before the last one");
        PolicySnapshot kept = EvalCommand.read(run.resolve("policy.avro"));
        assertEquals(version, kept.getVersion(), "policy.avro is the version the summary names");
        assertEquals(version * 1024, kept.getCounters().getTotalSteps());
        assertTrue(Files.size(run.resolve("curve.png")) > 1000, "the plot is drawn during the JVM's shutdown too");
        assertTrue(read(out).contains(TrainCommand.INTERRUPTED), "the results table is printed: " + read(out));
        assertFalse(Files.exists(run.resolve("kafka")), "the embedded broker's data is removed");
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
