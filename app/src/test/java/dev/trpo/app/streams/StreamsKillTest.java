package dev.trpo.app.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trpo.connectors.runtime.ConnectorConfig;
import dev.trpo.connectors.runtime.ConnectorMode;
import dev.trpo.connectors.runtime.ConnectorRuntime;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentStep;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trpo streams} as a real OS process, SIGKILLed while transitions flow and started again with the same
 * command line (same {@code --instance-id}): segments flow again, and no step reaches the segments twice or is
 * dead-lettered as a duplicate. The time from the restart to the next committed segment is printed.
 */
class StreamsKillTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    /** Long on purpose: a restart that had to wait for the dead member's session would take this long. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aStreamProcessorBackAfterSigkillResumesWithinSecondsAndExactlyOnce() throws Exception {
        String run = "streams-kill";
        Topics topics = Topics.forRun(run);
        Map<String, Object> props = Map.of("bootstrap.servers", KAFKA.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            TopicProvisioner.createAll(admin, topics, 2, (short) 1);
        }
        ActorCritic policy = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {8}, Activation.TANH, 0, false, 1);
        PolicySnapshot v0 = Snapshots.toSnapshot(policy, new Snapshots.Meta(run, 0, null, "CartPole-v1", null, 1,
                Map.of(), Snapshots.emptyCounters(), 0));
        try (KafkaProducer<String, PolicySnapshot> p = new KafkaProducer<>(props, new StringSerializer(),
                topics.policies().valueSerde().serializer())) {
            p.send(new ProducerRecord<>(topics.policies().name(), run, v0)).get();
        }
        // async actors that never wait: transitions keep coming while the stream processor dies and returns
        ConnectorConfig actors = ConnectorConfig.of(run, "CartPole-v1").withActors(4).withSeed(2)
                .withMode(ConnectorMode.ASYNC).withCommitIntervalMs(100);
        List<Double> recoveries = new java.util.ArrayList<>();
        try (ConnectorRuntime connector = new ConnectorRuntime(actors, props, new SimpleMeterRegistry())) {
            connector.start();
            Process streams = start(run, 0);
            awaitMoreSegments(topics, 0, Duration.ofSeconds(90), streams, 0);
            for (int kill = 1; kill <= 2; kill++) {
                Thread.sleep(1500);
                streams.destroyForcibly(); // SIGKILL
                assertTrue(streams.waitFor(30, TimeUnit.SECONDS));
                long before = committedSegments(topics);
                long t0 = System.nanoTime();
                streams = start(run, kill);
                awaitMoreSegments(topics, before, SESSION_TIMEOUT.multipliedBy(2), streams, kill);
                recoveries.add((System.nanoTime() - t0) / 1e9);
            }
            Thread.sleep(1500);
            streams.destroy();
            assertTrue(streams.waitFor(60, TimeUnit.SECONDS));
        }
        System.out.println("streams back after SIGKILL, restart to new segments (s): " + recoveries);
        for (int n = 1; n <= 2; n++) {
            log(n).lines().filter(l -> l.contains("streams state") || l.contains("WARN") || l.contains("Restor")
                    || l.contains("policy")).forEach(System.out::println);
        }
        // Recovery is measured, not asserted (it is 10-26 s on 2 cores: see the issue); the restart must not wait
        // for the dead member's session to expire and then for a second one, which awaitMoreSegments bounds.

        Map<String, Integer> seen = new HashMap<>();
        for (Segment s : readSegments(topics)) {
            for (SegmentStep step : s.getSteps()) {
                seen.merge(s.getActorId() + "/" + step.getEpisode() + "/" + step.getStep(), 1, Integer::sum);
            }
        }
        assertTrue(seen.size() > 1000, "segments steps: " + seen.size());
        seen.forEach((k, n) -> assertEquals(1, n, k + " reached the segments " + n + " times"));
        assertEquals(Map.of(), dlqReasons(topics), "nothing dead-lettered");
    }

    private Process start(String run, int n) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"),
                "dev.trpo.app.Main", "streams", "--run-id", run, "--instance-id", "streams-0",
                "--session-timeout", SESSION_TIMEOUT.toSeconds() + "s", "--state-dir", tmp.resolve("state").toString(),
                "--metrics-port", "0", "--bootstrap-servers", KAFKA.bootstrapServers())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("streams-" + n + ".log").toFile()).start();
    }

    private void awaitMoreSegments(Topics topics, long than, Duration timeout, Process p, int n) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (committedSegments(topics) <= than) {
            assertTrue(p.isAlive(), () -> "streams exited: " + log(n));
            assertTrue(System.nanoTime() < deadline, () -> "no new segment within " + timeout + ": " + log(n));
            Thread.sleep(100);
        }
    }

    private String log(int n) {
        try {
            return Files.readString(tmp.resolve("streams-" + n + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The segments topic's last stable offsets summed: what read_committed readers can see. */
    private static long committedSegments(Topics topics) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topics.segments().name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static List<Segment> readSegments(Topics topics) {
        List<Segment> out = new java.util.ArrayList<>();
        try (KafkaConsumer<String, Segment> c = new KafkaConsumer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "isolation.level", "read_committed"), new StringDeserializer(), topics.segments().valueSerde().deserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topics.segments().name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }

    private static Map<String, Integer> dlqReasons(Topics topics) {
        Map<String, Integer> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topics.dlq().name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Header h = r.headers().lastHeader(DlqHeaders.REASON);
                    out.merge(h == null ? "(none)" : new String(h.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                }
            }
        }
        return out;
    }
}
