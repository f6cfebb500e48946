package dev.trpo.trainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;

/** Kafka plumbing of the trainer's broker tests: topics, recorded segments, committed state as readers see it. */
final class KafkaFixture {
    private final String bootstrap;
    private final AvroSerde<Segment> segments = AvroSerde.of(Segment.class);
    private final AvroSerde<PolicySnapshot> snapshots = AvroSerde.of(PolicySnapshot.class);

    KafkaFixture(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    Map<String, Object> clientProps() {
        return Map.of("bootstrap.servers", bootstrap);
    }

    void createTopics(String runId, int partitions) throws Exception {
        try (Admin admin = Admin.create(clientProps())) {
            TopicProvisioner.createAll(admin, Topics.forRun(runId), partitions, (short) 1);
        }
    }

    /** Produces segments, actor {@code actor-i} to partition i % partitions; returns the versions per partition in order. */
    Map<Integer, List<Long>> produce(String runId, List<Segment> records, int partitions,
                                     Map<Integer, List<Long>> versionsByPartition) throws Exception {
        Map<String, Object> p = new HashMap<>(clientProps());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        String topic = Topics.forRun(runId).segments().name();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (Segment s : records) {
                int partition = Integer.parseInt(s.getActorId().substring("actor-".length())) % partitions;
                producer.send(new ProducerRecord<>(topic, partition, s.getActorId().getBytes(StandardCharsets.UTF_8),
                        segments.encode(s))).get(30, TimeUnit.SECONDS);
                versionsByPartition.computeIfAbsent(partition, k -> new ArrayList<>()).add(s.getPolicyVersion());
            }
        }
        return versionsByPartition;
    }

    /** Every committed record of the run's policy-history topic, in order. */
    List<PolicySnapshot> history(String runId) {
        List<PolicySnapshot> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(Topics.forRun(runId).policyHistory().name())) {
            out.add(snapshots.decode(r.value()));
        }
        return out;
    }

    /** Sends raw bytes to a partition of the run's segments topic. */
    void produceRaw(String runId, int partition, byte[] value) throws Exception {
        Map<String, Object> p = new HashMap<>(clientProps());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(Topics.forRun(runId).segments().name(), partition, null, value))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Every committed record of a topic (all partitions, each in order), read to the end. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<String, Object> p = new HashMap<>(clientProps());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_POLICY_BYTES);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(topic + " not read to its end " + end + " in 30 s");
                }
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * The trainer group's committed offsets, partition -> offset. Offsets of a transaction still open (a killed
     * trainer's) are not included: they only count once their transaction commits.
     */
    Map<Integer, Long> committedOffsets(String runId) throws Exception {
        String group = "trpo." + runId + ".trainer";
        Map<Integer, Long> out = new TreeMap<>();
        try (Admin admin = Admin.create(clientProps())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
                            Map.of(group, new ListConsumerGroupOffsetsSpec()),
                            new ListConsumerGroupOffsetsOptions().requireStable(false))
                    .partitionsToOffsetAndMetadata(group).get(30, TimeUnit.SECONDS);
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp.partition(), om.offset());
                }
            });
        }
        return out;
    }
}
