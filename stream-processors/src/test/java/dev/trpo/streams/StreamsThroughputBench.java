package dev.trpo.streams;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.trpo.kafka.embedded.EmbeddedKafka;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;

/**
 * Transitions per second through the stream processors on the embedded broker with exactly-once: pre-produces N
 * CartPole-shaped transitions over A actors (episodes of 20 to 200 steps, each actor's last one terminated), then
 * times the application from start until every step is in a committed segment (the segment-steps meter reaches N
 * and the segments topic has no open transaction). Run with {@code bench/streams-throughput.sh}.
 *
 * <p>Arguments (all optional): transitions (1000000), actors (16), partitions (4), segment-length (128), threads (1).
 * System property {@code bench.props} adds Kafka Streams properties ({@code k=v,k=v}) for tuning runs.
 */
public final class StreamsThroughputBench {
    private StreamsThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int actors = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int segmentLength = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int perActor = n / actors;
        int total = perActor * actors;
        Path stateDir = Files.createTempDirectory("trpo-streams-bench-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, 0)) {
            String run = "bench";
            Topics topics = Topics.forRun(run);
            Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                // creates and waits until every partition has its leader, so the first produce cannot be refused
                dev.trpo.schemas.TopicProvisioner.createAll(admin, topics, partitions, (short) 1);
            }

            long t0 = System.nanoTime();
            produce(kafka.bootstrapServers(), topics, actors, perActor, new SplittableRandom(7));
            double produceS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("produced transitions=%d actors=%d partitions=%d seconds=%.1f%n", total, actors, partitions, produceS);

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            StreamsSettings settings = StreamsSettings.builder(run).envId("CartPole-v1").discrete(4, 2).segmentLength(segmentLength)
                    .stateDir(stateDir).numStreamThreads(threads).build();
            // Extra Kafka Streams properties for tuning runs: -Dbench.props=commit.interval.ms=1000,producer.linger.ms=50
            Map<String, Object> streamsProps = new HashMap<>(client);
            for (String kv : System.getProperty("bench.props", "").split(",")) {
                if (!kv.isBlank()) {
                    streamsProps.put(kv.substring(0, kv.indexOf('=')).strip(), kv.substring(kv.indexOf('=') + 1).strip());
                }
            }
            try (StreamsService service = new StreamsService(settings, streamsProps, registry); Admin admin = Admin.create(client)) {
                long start = System.nanoTime();
                service.start();
                long firstSegment = 0;
                long nextReport = start + 10_000_000_000L;
                long deadline = start + 600_000_000_000L;
                while (true) {
                    double steps = registry.find(StreamsMeters.SEGMENT_STEPS).counter().count();
                    if (firstSegment == 0 && steps > 0) {
                        firstSegment = System.nanoTime();
                    }
                    boolean committed = steps >= total && allCommitted(admin, topics.segments().name(), partitions);
                    if (committed) {
                        break;
                    }
                    long now = System.nanoTime();
                    if (now > nextReport) {
                        System.out.printf("waiting seconds=%.0f segment_steps=%.0f of %d accepted=%.0f abandoned=%.0f state=%s dlq=%s%n",
                                (now - start) / 1e9, steps, total, registry.find(StreamsMeters.TRANSITIONS).counter().count(),
                                registry.find(StreamsMeters.ABANDONED_STEPS).counter().count(), service.state(),
                                registry.find(StreamsMeters.DLQ_RECORDS).counters().stream().filter(c -> c.count() > 0)
                                        .map(c -> c.getId().getTag("reason") + "=" + c.count()).toList());
                        nextReport = now + 10_000_000_000L;
                    }
                    if (now > deadline || (!service.isRunning() && steps < total)) {
                        throw new IllegalStateException("gave up: segment steps " + steps + " of " + total + ", streams " + service.state());
                    }
                    Thread.sleep(20);
                }
                long end = System.nanoTime();
                double seconds = (end - start) / 1e9;
                double steady = (end - firstSegment) / 1e9;
                System.out.printf("streams transitions=%d seconds=%.2f transitions_per_s=%.0f (from first segment: %.2f s, %.0f/s) "
                                + "segments=%.0f dlq=%.0f%n", total, seconds, total / seconds, steady, total / steady,
                        registry.find(StreamsMeters.SEGMENTS).counters().stream().mapToDouble(c -> c.count()).sum(),
                        registry.find(StreamsMeters.DLQ_RECORDS).counters().stream().mapToDouble(c -> c.count()).sum());
            }
        }
    }

    /** True when the committed (LSO) and uncommitted end offsets agree on every partition: no open transaction. */
    private static boolean allCommitted(Admin admin, String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        var committed = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        var written = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get();
        for (TopicPartition tp : request.keySet()) {
            if (committed.get(tp).offset() != written.get(tp).offset()) {
                return false;
            }
        }
        return true;
    }

    private static void produce(String servers, Topics topics, int actors, int perActor, SplittableRandom rng) {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        String topic = topics.transitions().name();
        var serializer = topics.transitions().valueSerde().serializer();
        AtomicLong failures = new AtomicLong();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        long[] episode = new long[actors];
        int[] step = new int[actors];
        int[] length = new int[actors];
        for (int a = 0; a < actors; a++) {
            length[a] = rng.nextInt(20, 201);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < perActor; i++) {
                for (int a = 0; a < actors; a++) {
                    boolean last = i == perActor - 1;
                    boolean ends = step[a] == length[a] - 1 || last;
                    boolean truncated = ends && !last && length[a] == 200;
                    Transition t = Transition.newBuilder().setRunId(topics.runId()).setEnvId("CartPole-v1").setActorId("actor-" + a)
                            .setEpisode(episode[a]).setStep(step[a])
                            .setObservation(List.of(rng.nextDouble() - 0.5, rng.nextDouble() - 0.5, rng.nextDouble() * 0.4 - 0.2, rng.nextDouble() - 0.5))
                            .setDiscreteAction(rng.nextInt(2)).setContinuousAction(null).setReward(1.0).setTerminated(ends && !truncated)
                            .setTruncated(truncated).setBehaviourLogProb(-0.69).setValue(rng.nextDouble() * 10)
                            .setBootstrapValue(truncated ? rng.nextDouble() * 10 : null).setLastOfVersion(false).setPolicyVersion(0)
                            .setTimestampMs(System.currentTimeMillis()).build();
                    producer.send(new ProducerRecord<>(topic, t.getActorId().getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, t)),
                            (metadata, e) -> {
                                if (e != null && failures.getAndIncrement() == 0) {
                                    firstFailure.set(e);
                                }
                            });
                    step[a]++;
                    if (ends) {
                        episode[a]++;
                        step[a] = 0;
                        length[a] = rng.nextInt(20, 201);
                    }
                }
            }
            producer.flush();
        }
        // A batch that expires (delivery.timeout.ms) on a starved machine would leave the run short of N forever.
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " transitions were not produced; first failure: " + firstFailure.get(),
                    firstFailure.get());
        }
    }
}
