package dev.trpo.app.eval;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.trpo.app.cli.UsageException;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Topics;

/** Reads a run's committed policy versions back from {@code trpo.<run-id>.policy-history}. */
final class PolicyHistory {
    private PolicyHistory() {
    }

    /**
     * The committed snapshot of {@code version} (null: the newest) of run {@code runId}.
     *
     * @throws UsageException when the run has no history topic, no committed version, or not that version (naming
     *                        the versions it has)
     */
    static PolicySnapshot read(Map<String, Object> kafkaProps, String runId, Long version, Duration timeout) {
        Map<String, Object> props = new HashMap<>(kafkaProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String topic = Topics.forRun(runId).policyHistory().name();
        AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
        TreeMap<Long, byte[]> versions = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
            if (partitions == null || partitions.isEmpty()) {
                throw new UsageException("run " + runId + " has no topic " + topic + ": check --run-id and the cluster");
            }
            List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new UsageException("timed out after " + timeout.toSeconds() + " s reading " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    versions.put(serde.decode(r.value()).getVersion(), r.value());
                }
            }
        }
        if (versions.isEmpty()) {
            throw new UsageException("run " + runId + " has published no policy yet");
        }
        long wanted = version == null ? versions.lastKey() : version;
        byte[] bytes = versions.get(wanted);
        if (bytes == null) {
            throw new UsageException("run " + runId + " has no version " + wanted + "; it has versions "
                    + versions.firstKey() + " to " + versions.lastKey());
        }
        return serde.decode(bytes);
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
