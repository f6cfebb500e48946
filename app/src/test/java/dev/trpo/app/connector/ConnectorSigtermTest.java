package dev.trpo.app.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;

/** {@code trpo connector} as a real OS process: SIGTERM flushes every step it took, and nothing is half-written. */
class ConnectorSigtermTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Pattern STOPPED = Pattern.compile("connector stopped run=sigterm steps=(\\d+)");

    @TempDir
    Path tmp;

    @Test
    void sigtermFlushesEveryStepTakenBeforeTheProcessExits() throws Exception {
        Topics topics = Topics.forRun("sigterm");
        Map<String, Object> props = Map.of("bootstrap.servers", KAFKA.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            TopicProvisioner.createAll(admin, topics, 2, (short) 1);
        }
        ActorCritic policy = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {8}, Activation.TANH, 0, false, 1);
        PolicySnapshot v0 = Snapshots.toSnapshot(policy, new Snapshots.Meta("sigterm", 0, null, "CartPole-v1", null, 1,
                Map.of(), Snapshots.emptyCounters(), 0));
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(props,
                new org.apache.kafka.common.serialization.StringSerializer(), topics.policies().valueSerde().serializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.policies().name(), "sigterm", v0)).get();
        }

        Path log = tmp.resolve("connector.log");
        // async: the actors never wait for a new version, so the process is mid-stream when the signal comes
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"), "dev.trpo.app.Main", "connector", "--run-id", "sigterm",
                "--env", "CartPole-v1", "--actors", "4", "--mode", "async", "--metrics-port", "0",
                "--bootstrap-servers", KAFKA.bootstrapServers())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (countRecords(topics) < 5_000 && System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "connector exited early: " + read(log));
            Thread.sleep(100);
        }

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the connector stops within a minute of SIGTERM");

        Matcher m = STOPPED.matcher(read(log));
        assertTrue(m.find(), () -> "the connector reports its stop: " + read(log));
        long stepsTaken = Long.parseLong(m.group(1));
        List<Transition> published = readAll(topics);
        assertEquals(stepsTaken, published.size(), "every step taken was published, and nothing else");
        Map<String, Integer> lastStep = new HashMap<>();
        for (Transition t : published) {
            assertEquals(4, t.getObservation().size(), "a whole observation");
            String key = t.getActorId() + "/" + t.getEpisode();
            int previous = lastStep.getOrDefault(key, -1);
            assertEquals(previous + 1, t.getStep(), "steps of " + key + " arrive in order without gaps");
            lastStep.put(key, t.getStep());
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static long countRecords(Topics topics) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> parts = partitions(c, topics.transitions().name());
            return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static List<Transition> readAll(Topics topics) {
        List<Transition> out = new ArrayList<>();
        try (KafkaConsumer<String, Transition> c = new KafkaConsumer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "auto.offset.reset", "earliest"), new StringDeserializer(), topics.transitions().valueSerde().deserializer())) {
            List<TopicPartition> parts = partitions(c, topics.transitions().name());
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        out.sort(java.util.Comparator.comparing(Transition::getActorId).thenComparing(Transition::getEpisode)
                .thenComparing(Transition::getStep));
        return out;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
        return c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    }
}
