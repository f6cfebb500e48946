package dev.trpo.connectors.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/** Reads the committed records of a keyed topic once, from the beginning to the end it has when the read starts. */
final class TopicReader {

    private static final Duration POLL = Duration.ofMillis(200);

    private TopicReader() {
    }

    /**
     * Hands every committed record whose key is one of {@code keys} to {@code sink}, in offset order per partition;
     * only the partitions that the default partitioner sends those keys to are read.
     *
     * @return false when {@code running} turned false before the end was reached
     */
    static boolean readToEnd(String topic, Collection<String> keys, Map<String, Object> kafkaProps, String clientId,
                             BiConsumer<String, byte[]> sink, BooleanSupplier running) {
        Map<String, Object> props = new HashMap<>(kafkaProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist: create the run's topics first"
                        + " (trpo topics create)");
            }
            Set<Integer> wanted = new TreeSet<>();
            for (String key : keys) {
                wanted.add(partitionForKey(key, infos.size()));
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p : wanted) {
                partitions.add(new TopicPartition(topic, p));
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            Set<String> keySet = Set.copyOf(keys);
            while (running.getAsBoolean()) {
                boolean done = true;
                for (TopicPartition tp : partitions) {
                    if (c.position(tp) < end.get(tp)) {
                        done = false;
                        break;
                    }
                }
                if (done) {
                    return true;
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    if (r.key() != null && keySet.contains(r.key())) {
                        sink.accept(r.key(), r.value());
                    }
                }
            }
            return false;
        }
    }

    /** The partition Kafka's default partitioner sends a string key to. */
    static int partitionForKey(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
    }
}
