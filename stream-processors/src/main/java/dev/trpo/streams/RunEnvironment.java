package dev.trpo.streams;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Topics;

/**
 * The environment a run acts in, as the stream processors need it: its id and the shape of observations and
 * actions. The trainer publishes policy version 0 before any actor steps, and every snapshot carries the env spec,
 * so the stream processors read it from the run's policies topic rather than knowing the environments.
 *
 * <p>The snapshot's hyper-parameters also carry the trainer's discount and GAE lambda (keys {@value #GAMMA_KEY} and
 * {@value #LAMBDA_KEY}); when present they are the run's, so the advantages match what the trainer was configured with.
 *
 * @param envId           environment id
 * @param observationSize observation length
 * @param actionKind      DISCRETE or BOX
 * @param actionSize      number of actions (DISCRETE) or action dimension (BOX)
 * @param gamma           the run's discount, if recorded
 * @param lambda          the run's GAE lambda, if recorded
 */
public record RunEnvironment(String envId, int observationSize, ActionKind actionKind, int actionSize,
                             OptionalDouble gamma, OptionalDouble lambda) {
    /** Hyper-parameter key of the discount in a snapshot (written by the trainer). */
    public static final String GAMMA_KEY = "trpo.trainer.gamma";
    /** Hyper-parameter key of GAE lambda in a snapshot (written by the trainer). */
    public static final String LAMBDA_KEY = "trpo.trainer.gae-lambda";

    /** The environment recorded in a policy snapshot. */
    public static RunEnvironment of(PolicySnapshot snapshot) {
        Map<String, String> hp = snapshot.getHyperParameters();
        return new RunEnvironment(snapshot.getEnvId(), snapshot.getObservationSize(), snapshot.getActionSpace().getKind(),
                snapshot.getActionSpace().getN(), number(hp, GAMMA_KEY), number(hp, LAMBDA_KEY));
    }

    private static OptionalDouble number(Map<String, String> hp, String key) {
        String v = hp == null ? null : hp.get(key);
        if (v == null) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(v.strip()));
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    /**
     * Reads the run's policies topic from the beginning until a decodable snapshot appears or {@code timeout} passes.
     * Any version will do: all versions of a run share the environment (the compacted topic may hold only the newest).
     *
     * @return the environment, or empty when no snapshot arrived in time
     */
    public static Optional<RunEnvironment> readFromPolicies(Map<String, ?> kafkaProps, Topics topics, Duration timeout) {
        Map<String, Object> props = new HashMap<>(kafkaProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String topic = topics.policies().name();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
            if (partitions == null || partitions.isEmpty()) {
                return Optional.empty();
            }
            List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        PolicySnapshot snapshot = topics.policies().valueSerde().deserializer().deserialize(topic, r.value());
                        if (snapshot != null) {
                            return Optional.of(of(snapshot));
                        }
                    } catch (RuntimeException e) {
                        // Not a snapshot we can read: keep looking; the trainer's records decode.
                    }
                }
            }
        }
        return Optional.empty();
    }
}
