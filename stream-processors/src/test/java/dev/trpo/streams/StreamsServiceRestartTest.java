package dev.trpo.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.EpisodeSummary;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentStep;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.TopicSpec;
import dev.trpo.schemas.Transition;

/** The service on a real KRaft broker with exactly-once: a restart in the middle of the stream loses and repeats nothing. */
class StreamsServiceRestartTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path firstStateDir;
    @TempDir
    Path secondStateDir;

    @Test
    void restartInTheMiddleLeavesEveryStepInExactlyOneSegment() throws Exception {
        String run = "restart";
        Topics topics = Topics.forRun(run);
        createTopics(topics, 4);
        List<Transition> all = transitions(run, 6, 1_200, new SplittableRandom(42));
        int half = all.size() / 2;
        Map<String, Object> kafka = Map.of("bootstrap.servers", KAFKA.bootstrapServers());
        StreamsSettings.Builder settings = StreamsSettings.builder(run).envId(TopologyFixture.ENV).discrete(4, 2).segmentLength(16);

        try (KafkaProducer<byte[], byte[]> producer = producer(); KafkaConsumer<String, Segment> segments = committedConsumer(topics.segments())) {
            send(producer, topics, all.subList(0, half));
            producer.send(new ProducerRecord<>(topics.transitions().name(), "actor-0".getBytes(StandardCharsets.UTF_8),
                    "not avro".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
            Map<String, Integer> seen = new HashMap<>();
            List<Segment> received = new ArrayList<>();

            StreamsService first = new StreamsService(settings.stateDir(firstStateDir).build(), kafka, new SimpleMeterRegistry());
            first.start();
            await(() -> collect(segments, seen, received) > 0, "the first instance commits segments");
            send(producer, topics, all.subList(half, all.size()));
            producer.flush();
            first.close(Duration.ofSeconds(20));

            // A new instance with an empty state folder: its store is restored from the changelog.
            try (StreamsService second = new StreamsService(settings.stateDir(secondStateDir).build(), kafka, new SimpleMeterRegistry())) {
                second.start();
                await(() -> collect(segments, seen, received) >= all.size(), "every step reaches a segment");
            }

            for (Transition t : all) {
                assertEquals(1, seen.getOrDefault(key(t.getActorId(), t.getEpisode(), t.getStep()), 0),
                        "step " + key(t.getActorId(), t.getEpisode(), t.getStep()) + " in exactly one segment");
            }
            assertEquals(all.size(), seen.size());
        }

        long endedEpisodes = all.stream().filter(t -> t.getTerminated() || t.getTruncated()).count();
        try (KafkaConsumer<String, EpisodeSummary> episodes = committedConsumer(topics.episodes())) {
            List<EpisodeSummary> summaries = new ArrayList<>();
            await(() -> {
                episodes.poll(Duration.ofMillis(200)).forEach(r -> summaries.add(r.value()));
                return summaries.size() >= endedEpisodes;
            }, "every ended episode is summarised");
            assertEquals(endedEpisodes, summaries.size());
        }

        try (KafkaConsumer<byte[], byte[]> dlq = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            dlq.subscribe(List.of(topics.dlq().name()));
            List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
            await(() -> {
                dlq.poll(Duration.ofMillis(200)).forEach(letters::add);
                return !letters.isEmpty();
            }, "the undecodable record is dead-lettered");
            Header reason = letters.get(0).headers().lastHeader(DlqHeaders.REASON);
            assertEquals("undecodable", new String(reason.value(), StandardCharsets.UTF_8));
            assertEquals(topics.transitions().name(),
                    new String(letters.get(0).headers().lastHeader(DlqHeaders.SOURCE_TOPIC).value(), StandardCharsets.UTF_8));
            assertEquals("not avro", new String(letters.get(0).value(), StandardCharsets.UTF_8));
        }
    }

    private static String key(String actor, long episode, int step) {
        return actor + "/" + episode + "/" + step;
    }

    private static int collect(KafkaConsumer<String, Segment> consumer, Map<String, Integer> seen, List<Segment> received) {
        for (ConsumerRecord<String, Segment> r : consumer.poll(Duration.ofMillis(200))) {
            received.add(r.value());
            for (SegmentStep s : r.value().getSteps()) {
                seen.merge(key(r.value().getActorId(), s.getEpisode(), s.getStep()), 1, Integer::sum);
            }
        }
        return seen.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Episodes of 5 to 60 steps for each actor; every actor's last episode terminates, so no step stays held. */
    static List<Transition> transitions(String run, int actors, int stepsPerActor, SplittableRandom rng) {
        List<List<Transition>> perActor = new ArrayList<>();
        for (int a = 0; a < actors; a++) {
            List<Transition> steps = new ArrayList<>();
            long episode = 0;
            int step = 0;
            int length = rng.nextInt(5, 61);
            for (int i = 0; i < stepsPerActor; i++) {
                boolean last = i == stepsPerActor - 1;
                boolean ends = step == length - 1 || last;
                boolean truncated = ends && !last && rng.nextInt(4) == 0;
                steps.add(TopologyFixture.step("actor-" + a, episode, step).setRunId(run)
                        .setObservation(List.of(rng.nextDouble(), rng.nextDouble(), rng.nextDouble(), rng.nextDouble()))
                        .setDiscreteAction(rng.nextInt(2)).setValue(rng.nextDouble()).setTerminated(ends && !truncated)
                        .setTruncated(truncated).setBootstrapValue(truncated ? rng.nextDouble() : null).build());
                step++;
                if (ends) {
                    episode++;
                    step = 0;
                    length = rng.nextInt(5, 61);
                }
            }
            perActor.add(steps);
        }
        List<Transition> interleaved = new ArrayList<>();
        for (int i = 0; i < stepsPerActor; i++) {
            for (List<Transition> steps : perActor) {
                interleaved.add(steps.get(i));
            }
        }
        return interleaved;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, Topics topics, List<Transition> transitions) {
        for (Transition t : transitions) {
            producer.send(new ProducerRecord<>(topics.transitions().name(), t.getActorId().getBytes(StandardCharsets.UTF_8),
                    topics.transitions().valueSerde().serializer().serialize(topics.transitions().name(), t)));
        }
    }

    static void createTopics(Topics topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            // creates and waits until every partition has its leader, so the first produce cannot be refused
            dev.trpo.schemas.TopicProvisioner.createAll(admin, topics, partitions, (short) 1);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Map<String, Object> consumerProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "verifier-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    private static <V extends org.apache.avro.specific.SpecificRecordBase> KafkaConsumer<String, V> committedConsumer(TopicSpec<String, V> topic) {
        KafkaConsumer<String, V> consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(), topic.valueSerde().deserializer());
        consumer.subscribe(List.of(topic.name()));
        return consumer;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
        }
        assertTrue(condition.getAsBoolean(), "timed out waiting until " + what);
    }
}
