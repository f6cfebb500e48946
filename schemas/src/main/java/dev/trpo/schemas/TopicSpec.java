package dev.trpo.schemas;

import java.util.Map;

import org.apache.kafka.common.serialization.Serde;

/**
 * One topic of a run: its full name, its key and value serdes, and the topic configs it is created with.
 *
 * @param name    full topic name, {@code trpo.<run-id>.<noun>}
 * @param keySerde serde of the record key
 * @param valueSerde serde of the record value
 * @param configs topic-level configs (cleanup policy, retention, message size)
 * @param doc     one line: what flows through it
 */
public record TopicSpec<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, Map<String, String> configs, String doc) {
    public TopicSpec {
        configs = Map.copyOf(configs);
    }
}
