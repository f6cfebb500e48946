package dev.trpo.app.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.app.Cli;
import dev.trpo.app.Main;
import dev.trpo.app.train.TrainCommand;
import dev.trpo.app.train.TrainResult;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
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

    @Test
    void aRunWithoutNewVersionsIsCalledStalledWithWhatMovedAndTheDeadLettersSinceItsNewestVersion() throws Exception {
        String runId = "stalled";
        Topics topics = Topics.forRun(runId);
        Map<String, Object> props = Map.of("bootstrap.servers", KAFKA.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            TopicProvisioner.createAll(admin, topics, 1, (short) 1);
        }
        long published = System.currentTimeMillis() - 60_000;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topics.policyHistory().name(), null, published, null, snapshot(runId, 0, published))).get();
            // one dead letter from before v0 (not counted), two after it
            for (long at : new long[] {published - 1000, published + 1000, published + 2000}) {
                ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(topics.dlq().name(), null, at, null, new byte[] {1});
                letter.headers().add(DlqHeaders.REASON, "duplicate".getBytes(StandardCharsets.UTF_8));
                p.send(letter).get();
            }
        }
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(new StringWriter(), true));
        CompletableFuture<Integer> watching = CompletableFuture.supplyAsync(() -> cmd.execute("watch", "--run-id", runId,
                "--until-version", "1", "--stall-after", "PT1S", "--bootstrap-servers", KAFKA.bootstrapServers()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!out.toString().contains("stalled?") && System.nanoTime() < deadline && !watching.isDone()) {
            Thread.sleep(100);
        }
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            long now = System.currentTimeMillis();
            p.send(new ProducerRecord<>(topics.policyHistory().name(), null, now, null, snapshot(runId, 1, now))).get();
        }
        assertEquals(0, watching.get(60, TimeUnit.SECONDS), out.toString());
        String line = out.toString().lines().filter(l -> l.startsWith("stalled?")).findFirst().orElse("");
        assertTrue(line.matches("stalled\\? no new version for (6\\d|[7-9]\\d) s after v0: since then \\+0 transitions, \\+0"
                + " segments, 2 dead letters \\(duplicate 2\\); no actor has committed a transition since.*"), out.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.startsWith("v1  steps")), "the run goes on: " + out);
    }

    private static byte[] snapshot(String runId, long version, long createdAtMs) {
        ActorCritic policy = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {4}, Activation.TANH, 0, false, 1);
        PolicySnapshot s = Snapshots.toSnapshot(policy, new Snapshots.Meta(runId, version, null, "CartPole-v1", null, 1,
                Map.of(), Snapshots.emptyCounters(), createdAtMs));
        return AvroSerde.of(PolicySnapshot.class).encode(s);
    }
}
