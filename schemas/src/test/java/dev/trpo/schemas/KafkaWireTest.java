package dev.trpo.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;

/** The wire contract against a real broker: every record type, topic creation, transactions. */
class KafkaWireTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Topics TOPICS = Topics.forRun("wire-test");
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @BeforeAll
    static void createTopics() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            TopicProvisioner.createAll(admin, TOPICS, 2, (short) 1);
        }
    }

    @Test
    void creatingTheTopicsTwiceChangesNothing() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            List<TopicProvisioner.Outcome> again = TopicProvisioner.createAll(admin, TOPICS, 2, (short) 1);
            assertEquals(TOPICS.all().size(), again.size());
            assertTrue(again.stream().noneMatch(TopicProvisioner.Outcome::created));
            Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            for (TopicSpec<?, ?> spec : TOPICS.all()) {
                assertTrue(names.contains(spec.name()), spec.name());
            }
            ConfigResource policies = new ConfigResource(ConfigResource.Type.TOPIC, TOPICS.policies().name());
            ConfigEntry cleanup = admin.describeConfigs(List.of(policies)).all().get(10, TimeUnit.SECONDS)
                    .get(policies).get("cleanup.policy");
            assertEquals("compact", cleanup.value());
            int segmentsPartitions = admin.describeTopics(List.of(TOPICS.segments().name())).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(TOPICS.segments().name()).partitions().size();
            assertEquals(2, segmentsPartitions);
        }
    }

    @Test
    void everyRecordTypeTravelsThroughTheBroker() throws Exception {
        roundTrip(TOPICS.transitions(), SampleRecords.transition("a-3", 1, 2));
        roundTrip(TOPICS.segments(), SampleRecords.segment());
        roundTrip(TOPICS.episodes(), SampleRecords.episode());
        roundTrip(TOPICS.policyHistory(), SampleRecords.snapshot(2));
    }

    private <V> void roundTrip(TopicSpec<String, V> topic, V value) {
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "acks", "all"), new StringSerializer(), topic.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), 0, "k", value));
            producer.flush();
        }
        List<ConsumerRecord<String, V>> seen = readAll(topic.name(), topic.valueSerde().deserializer(), "read_uncommitted", 1);
        assertEquals(value, seen.get(0).value());
    }

    @Test
    void aReadCommittedConsumerSeesCommittedTransactionsOnly() throws Exception {
        TopicSpec<String, PolicySnapshot> topic = TOPICS.policies();
        Map<String, Object> props = Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "transactional.id", "wire-test-tx", "enable.idempotence", "true", "acks", "all");
        try (KafkaProducer<String, PolicySnapshot> producer = new KafkaProducer<>(props, new StringSerializer(),
                topic.valueSerde().serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic.name(), "wire-test", SampleRecords.snapshot(1)));
            producer.sendOffsetsToTransaction(Map.of(new TopicPartition(TOPICS.segments().name(), 0),
                    new OffsetAndMetadata(7)), new org.apache.kafka.clients.consumer.ConsumerGroupMetadata("wire-test-group"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic.name(), "wire-test", SampleRecords.snapshot(99)));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic.name(), "wire-test", SampleRecords.snapshot(2)));
            producer.commitTransaction();
        }
        List<ConsumerRecord<String, PolicySnapshot>> seen = readAll(topic.name(), topic.valueSerde().deserializer(),
                "read_committed", 2);
        assertEquals(List.of(1L, 2L), seen.stream().map(r -> r.value().getVersion()).toList());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("wire-test-group")
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            assertEquals(7, committed.get(new TopicPartition(TOPICS.segments().name(), 0)).offset());
        }
    }

    @Test
    void undecodableBytesOnATopicRaiseANamedReason() {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(TOPICS.episodes().name(), 1, null, "not avro".getBytes()));
            producer.flush();
        }
        List<ConsumerRecord<String, byte[]>> raw = readAll(TOPICS.episodes().name(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), "read_uncommitted", 1, 1);
        RecordDecodingException e = org.junit.jupiter.api.Assertions.assertThrows(RecordDecodingException.class,
                () -> TOPICS.episodes().valueSerde().deserializer().deserialize(TOPICS.episodes().name(), raw.get(0).value()));
        assertEquals(RecordDecodingException.Reason.BAD_MARKER, e.reason());
        assertFalse(e.getMessage().isBlank());
    }

    private <V> List<ConsumerRecord<String, V>> readAll(String topic, org.apache.kafka.common.serialization.Deserializer<V> values,
                                                          String isolation, int expected) {
        return readAll(topic, values, isolation, expected, 0);
    }

    private <V> List<ConsumerRecord<String, V>> readAll(String topic, org.apache.kafka.common.serialization.Deserializer<V> values,
                                                          String isolation, int expected, int partition) {
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                "isolation.level", isolation, "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                new StringDeserializer(), values)) {
            List<TopicPartition> parts = List.of(new TopicPartition(topic, partition));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // Give a read_committed consumer the chance to show a record it must not show.
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
