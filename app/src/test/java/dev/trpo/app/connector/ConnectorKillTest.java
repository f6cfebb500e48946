package dev.trpo.app.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trpo connector} as a real OS process, SIGKILLed in the middle of versions and started again with the same
 * command line: the committed transitions are the ones an uninterrupted connector commits, bit for bit (run id and
 * timestamps aside), with none lost and none twice. The test plays the trainer: it publishes version v + 1 once
 * version v's batch is committed.
 */
class ConnectorKillTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final int ACTORS = 4;
    /** Long enough that a version spans many commits: with 4,000 a fast connector sometimes committed a whole version at once, and no kill could land in it. */
    static final int STEPS = 16_000;
    static final int VERSIONS = 3;
    static final int KILLS = 4;

    @TempDir
    Path tmp;

    @Test
    void sigkilledMidVersionAndRestartedTheConnectorCommitsWhatAnUninterruptedOneWould() throws Exception {
        Map<String, List<Transition>> straight = run("kill-straight", 0);
        Map<String, List<Transition>> killed = run("kill-chaos", KILLS);

        assertEquals(straight.keySet(), killed.keySet());
        for (String actor : straight.keySet()) {
            List<Transition> a = straight.get(actor);
            List<Transition> b = killed.get(actor);
            assertEquals(VERSIONS * STEPS, a.size(), actor + " uninterrupted");
            for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                assertEquals(a.get(i), b.get(i), actor + ": step " + i + " differs after the kills");
            }
            assertEquals(a.size(), b.size(), actor + ": committed steps after the kills");
        }
    }

    /**
     * Runs the connector through {@link #VERSIONS} versions, killing it {@code kills} times while a version's batch is
     * between 10% and 90% committed; returns each actor's committed steps, run id and timestamps blanked.
     */
    private Map<String, List<Transition>> run(String runId, int kills) throws Exception {
        Topics topics = Topics.forRun(runId);
        Map<String, Object> props = Map.of("bootstrap.servers", KAFKA.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            TopicProvisioner.createAll(admin, topics, 2, (short) 1);
        }
        Random random = new Random(17);
        Map<Long, Long> committed = new HashMap<>();
        Map<String, List<Transition>> steps = new TreeMap<>();
        long batch = (long) ACTORS * STEPS;
        int killed = 0;
        int restarts = 0;
        Process p = start(runId, restarts);
        try (KafkaConsumer<String, Transition> c = new KafkaConsumer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "isolation.level", "read_committed", "max.poll.records", 5000), new StringDeserializer(),
                topics.transitions().valueSerde().deserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topics.transitions().name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            for (long v = 0; v < VERSIONS; v++) {
                publish(topics, v);
                // a kill point in this version: a share of its batch committed, drawn per version
                double killAt = 0.1 + 0.8 * random.nextDouble();
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (committed.getOrDefault(v, 0L) < batch) {
                    assertTrue(System.nanoTime() < deadline, "version " + v + ": " + committed + " of " + batch
                            + " committed; log: " + log(runId, restarts));
                    for (ConsumerRecord<String, Transition> r : c.poll(Duration.ofMillis(20))) {
                        Transition t = r.value();
                        committed.merge(t.getPolicyVersion(), 1L, Long::sum);
                        steps.computeIfAbsent(t.getActorId(), k -> new ArrayList<>())
                                .add(Transition.newBuilder(t).setRunId("-").setTimestampMs(0).build());
                    }
                    long done = committed.getOrDefault(v, 0L);
                    boolean due = killed < kills && (killed + 1) * VERSIONS > kills * v && done >= killAt * batch
                            && done < 0.9 * batch
                            // a restart is killed again only once it has resumed (not while its JVM starts)
                            && (restarts == 0 || log(runId, restarts).contains("connector resumed"));
                    if (due) {
                        p.destroyForcibly(); // SIGKILL
                        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                        killed++;
                        Thread.sleep(random.nextInt(500));
                        p = start(runId, ++restarts);
                        killAt = done / (double) batch + (0.9 - done / (double) batch) * random.nextDouble();
                    } else if (!p.isAlive()) {
                        throw new AssertionError("connector exited: " + log(runId, restarts));
                    }
                }
                assertEquals(batch, committed.get(v), "version " + v + " committed exactly once per step");
            }
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        assertEquals(kills, killed, "kills that landed mid-version");
        assertEquals(Long.valueOf(VERSIONS), Long.valueOf(committed.size()), "versions acted with: " + committed);
        // the kill is decided from what this reader has seen, which may lag the connector: a kill can land just after
        // a version closed. Every restart must resume; most must resume mid-version, where the generators matter
        int midVersion = 0;
        for (int i = 1; i <= restarts; i++) {
            String resumed = log(runId, i);
            assertTrue(resumed.contains("connector resumed run=" + runId), () -> "the restart resumed: " + resumed);
            midVersion += resumed.contains("version_closed=false") ? 1 : 0;
        }
        assertTrue(restarts == 0 || midVersion * 2 >= restarts, midVersion + " of " + restarts + " restarts resumed mid-version");
        return steps;
    }

    private Process start(String runId, int n) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
                "dev.trpo.app.Main", "connector",
                "--run-id", runId, "--env", "CartPole-v1", "--actors", String.valueOf(ACTORS), "--seed", "3",
                "--steps-per-version", String.valueOf(STEPS), "--commit-interval-ms", "10", "--metrics-port", "0",
                "--bootstrap-servers", KAFKA.bootstrapServers())
                .redirectErrorStream(true).redirectOutput(tmp.resolve(runId + "-" + n + ".log").toFile()).start();
    }

    private String log(String runId, int n) {
        try {
            return Files.readString(tmp.resolve(runId + "-" + n + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void publish(Topics topics, long version) throws Exception {
        ActorCritic policy = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {8}, Activation.TANH, 0,
                false, 40 + version);
        PolicySnapshot s = Snapshots.toSnapshot(policy, new Snapshots.Meta(topics.runId(), version,
                version == 0 ? null : version - 1, "CartPole-v1", null, 1, Map.of(), Snapshots.emptyCounters(), 0));
        try (KafkaProducer<String, PolicySnapshot> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                KAFKA.bootstrapServers()), new StringSerializer(), topics.policies().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.policies().name(), topics.runId(), s)).get();
        }
    }
}
