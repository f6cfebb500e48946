package dev.trpo.app.eval;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
import dev.trpo.schemas.signing.SnapshotVerifier;

/** Reads a run's committed policy versions back from {@code trpo.<run-id>.policy-history}. */
final class PolicyHistory {
    private PolicyHistory() {
    }

    /**
     * The committed snapshot of {@code version} (null: the newest) of run {@code runId}.
     *
     * @param verifier which snapshot may be returned ({@link SnapshotVerifier#NONE}: any)
     * @throws UsageException when the run has no history topic, no committed version, or not that version (naming
     *                        the versions it has), or when {@code verifier} refuses the one asked for
     */
    static PolicySnapshot read(Map<String, Object> kafkaProps, String runId, Long version, Duration timeout,
                               SnapshotVerifier verifier) {
        Map<String, Object> props = new HashMap<>(kafkaProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String topic = Topics.forRun(runId).policyHistory().name();
        AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
        // only the wanted (or newest) snapshot is kept: a long run's history holds thousands of them
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        ConsumerRecord<byte[], byte[]> kept = null;
        long keptVersion = Long.MIN_VALUE;
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
                    long v = serde.decode(r.value()).getVersion();
                    first = Math.min(first, v);
                    last = Math.max(last, v);
                    if (version == null ? v >= keptVersion : v == version) {
                        kept = r;
                        keptVersion = v;
                    }
                }
            }
        }
        if (last == Long.MIN_VALUE) {
            throw new UsageException("run " + runId + " has published no policy yet");
        }
        if (kept == null) {
            throw new UsageException("run " + runId + " has no version " + version + "; it has versions " + first
                    + " to " + last);
        }
        SnapshotVerifier.Refusal why = verifier.refusal(kept.value(), kept.headers());
        if (why != null) {
            throw new UsageException("policy refused run=" + runId + " version=" + keptVersion + " offset="
                    + kept.offset() + " reason=" + why.reason() + ": its signature does not pass --policy-public-key"
                    + (version == null ? " (--policy-version V reads another)" : ""));
        }
        return serde.decode(kept.value());
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
