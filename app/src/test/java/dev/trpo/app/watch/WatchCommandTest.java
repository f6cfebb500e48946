package dev.trpo.app.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.app.Cli;
import dev.trpo.app.Main;
import dev.trpo.app.train.TrainCommand;
import dev.trpo.app.train.TrainResult;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import picocli.CommandLine;

/** {@code trpo watch} against a run going on in the same broker: followed live, then read back whole. */
class WatchCommandTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path tmp;

    private static Cli.Result run(String... args) {
        return Cli.run(args);
    }

    @Test
    void aRunIsFollowedAsItTrainsThenReadBackWholeWithItsCurve() throws Exception {
        String runId = "watched";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            TopicProvisioner.createAll(admin, Topics.forRun(runId), 1, (short) 1);
        }
        // following starts before the run publishes anything
        CompletableFuture<Cli.Result> followed = CompletableFuture.supplyAsync(() -> run("watch", "--run-id", runId,
                "--until-version", "3", "--bootstrap-servers", KAFKA.bootstrapServers()));
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--env", "CartPole-v1", "--run-id", runId, "--seed", "5", "--total-steps", "4096",
                "--eval-every", "0", "--eval-episodes", "1", "--run-dir", tmp.resolve("run").toString(),
                "--bootstrap-servers", KAFKA.bootstrapServers(), "--metrics-port", "0", "--quiet", "--timeout", "PT10M");
        TrainResult trained = train.run();

        Cli.Result live = followed.get(60, TimeUnit.SECONDS);
        assertEquals(0, live.code(), live.err());
        assertTrue(live.out().lines().anyMatch(l -> l.startsWith("v3  steps 3,072  episodes ")), live.out());
        assertTrue(live.out().contains("| policy version"), live.out());

        Cli.Result whole = run("watch", "--run-id", runId, "--once", "--run-dir", tmp.resolve("watch").toString(),
                "--bootstrap-servers", KAFKA.bootstrapServers());
        assertEquals(0, whole.code(), whole.err());
        assertTrue(whole.out().matches("(?s).*\\| policy version +\\| 4 \\(published \\d+ s ago\\).*"), whole.out());
        assertTrue(whole.out().contains("| steps trained           | 4,096"), whole.out());
        long episodes = ((Number) trained.summary().get("episodes")).longValue();
        assertTrue(whole.out().contains(String.format(java.util.Locale.ROOT, "| episodes                | %,d ", episodes)),
                "the episodes the run counted: " + episodes + "\n" + whole.out());
        List<String> curve = Files.readAllLines(tmp.resolve("watch").resolve("curve.csv"));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), curve.subList(1, curve.size()).stream()
                .map(l -> Long.parseLong(l.split(",")[2])).toList(), "a point per version");
        assertEquals(List.of(0L, 1024L, 2048L, 3072L, 4096L), curve.subList(1, curve.size()).stream()
                .map(l -> Long.parseLong(l.split(",")[0])).toList());
        String lastRow = curve.get(curve.size() - 1);
        String mean100 = lastRow.split(",")[5];
        assertTrue(whole.out().contains(String.format(java.util.Locale.ROOT, "| train return (last 100) | %.1f",
                Double.parseDouble(mean100))), lastRow + "\n" + whole.out());
        assertTrue(Files.size(tmp.resolve("watch").resolve("curve.png")) > 1000);
    }

    @Test
    void aRunThatDoesNotExistIsNamedInOneLine() {
        Cli.Result r = run("watch", "--run-id", "nobody-ran-this", "--once", "--timeout", "PT5S",
                "--bootstrap-servers", KAFKA.bootstrapServers());
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("run nobody-ran-this has no topic trpo.nobody-ran-this.policy-history"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
