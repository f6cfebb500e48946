package dev.trpo.connectors.runtime;

import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Broker-side helpers shared by the runtime tests and the throughput bench. */
final class RuntimeFixtures {

    static final Duration DEADLINE = Duration.ofSeconds(60);

    private RuntimeFixtures() {
    }

    static void createTopics(String bootstrap, Topics topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicProvisioner.createAll(admin, topics, partitions, (short) 1);
        }
    }

    /** A fresh policy for the environment, with hidden layers {@code hidden}. */
    static ActorCritic policyFor(String envId, int[] hidden, double logStdInit, long seed) {
        Environment env = Environments.create(envId);
        return ActorCritic.create(env.observationSize(), env.actionSpace(), hidden, Activation.TANH, logStdInit,
                false, seed);
    }

    static void publishPolicy(String bootstrap, Topics topics, String envId, ActorCritic policy, long version) {
        publishPolicy(bootstrap, topics, envId, policy, RewardNormalizer.disabled(), version);
    }

    /** Version {@code version} of {@code policy} as the trainer would publish it for the run. */
    static PolicySnapshot snapshot(Topics topics, String envId, ActorCritic policy, RewardNormalizer rewards,
                                   long version) {
        return Snapshots.toSnapshot(policy, new Snapshots.Meta(topics.runId(), version,
                version == 0 ? null : version - 1, envId, null, 0L, Map.of(), null, System.currentTimeMillis()),
                rewards, Map.of());
    }

    /** Writes {@code value} with {@code headers} to the run's policies topic, as anyone with write access can. */
    static void publishPolicyRecord(String bootstrap, Topics topics, byte[] value, Headers headers) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topics.policies().name(), null,
                    topics.runId().getBytes(java.nio.charset.StandardCharsets.UTF_8), value, headers));
            p.flush();
        }
    }

    static void publishPolicy(String bootstrap, Topics topics, String envId, ActorCritic policy,
                              RewardNormalizer rewards, long version) {
        PolicySnapshot snapshot = snapshot(topics, envId, policy, rewards, version);
        try (KafkaProducer<String, PolicySnapshot> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                topics.policies().keySerde().serializer(), topics.policies().valueSerde().serializer())) {
            p.send(new ProducerRecord<>(topics.policies().name(), topics.runId(), snapshot));
            p.flush();
        }
    }

    /** Reads the transitions topic from the beginning until {@code expected} records arrived (or the deadline). */
    static List<Transition> readTransitions(String bootstrap, Topics topics, long expected) {
        List<Transition> out = new ArrayList<>();
        try (KafkaConsumer<String, Transition> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                topics.transitions().keySerde().deserializer(), topics.transitions().valueSerde().deserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topics.transitions().name())) {
                parts.add(new TopicPartition(p.topic(), p.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Transition> r : c.poll(Duration.ofMillis(200))) {
                    if (!r.key().equals(r.value().getActorId())) {
                        throw new AssertionError("key " + r.key() + " differs from actor id " + r.value().getActorId());
                    }
                    out.add(r.value());
                }
            }
        }
        return out;
    }

    /** The transitions topic's end offsets per partition (uncommitted included): what the broker holds. */
    static Map<TopicPartition, Long> endOffsets(String bootstrap, Topics topics) {
        try (KafkaConsumer<String, Transition> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                topics.transitions().keySerde().deserializer(), topics.transitions().valueSerde().deserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topics.transitions().name())) {
                parts.add(new TopicPartition(p.topic(), p.partition()));
            }
            return c.endOffsets(parts);
        }
    }

    /** Checks for 300 ms that the connector takes no further step: it is waiting for a newer version. */
    static void assertStepsStayAt(ConnectorRuntime runtime, long expected, String message) throws InterruptedException {
        long waitUntil = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300);
        while (System.nanoTime() < waitUntil) {
            if (runtime.stepsTaken() != expected) {
                throw new AssertionError(message + ": expected " + expected + " steps, got " + runtime.stepsTaken());
            }
            Thread.sleep(10);
        }
    }

    /** Polls {@code condition} until it holds or the deadline passes. */
    static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
