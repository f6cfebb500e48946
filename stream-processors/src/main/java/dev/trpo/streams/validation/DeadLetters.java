package dev.trpo.streams.validation;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.trpo.schemas.DlqHeaders;
import dev.trpo.streams.StreamsMeters;

/**
 * Builds the dead-letter records both handlers return to Kafka Streams (KIP-1034): the original key and value
 * bytes, headers from {@link DlqHeaders}. Kafka Streams sends them through the task's producer, so with
 * exactly-once a dead letter commits together with the offset of the record it replaces.
 */
final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final String topic;
    private final StreamsMeters meters;

    private DeadLetters(String topic, StreamsMeters meters) {
        this.topic = topic;
        this.meters = meters;
    }

    /** Reads the dead-letter topic and the meters from the Kafka Streams configuration. */
    static DeadLetters fromConfig(Map<String, ?> configs) {
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        Object meters = configs.get(dev.trpo.streams.StreamsSettings.METERS_CONFIG);
        if (topic == null || topic.toString().isBlank()) {
            throw new IllegalArgumentException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG + " is not set");
        }
        if (!(meters instanceof StreamsMeters m)) {
            throw new IllegalArgumentException(dev.trpo.streams.StreamsSettings.METERS_CONFIG
                    + " must hold the StreamsMeters object (use StreamsSettings.toProperties)");
        }
        return new DeadLetters(topic.toString(), m);
    }

    /** Counts, logs and builds the dead letter of one record; no record when the original bytes are unknown. */
    List<ProducerRecord<byte[], byte[]>> letter(DlqReason reason, String detail, String sourceTopic, int partition, long offset,
                                                byte[] key, byte[] value) {
        meters.deadLettered(reason);
        LOG.info("dead-lettered reason={} topic={} partition={} offset={} detail=\"{}\"", reason.code(), sourceTopic, partition, offset, detail);
        if (key == null && value == null) {
            return List.of();
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(DlqHeaders.REASON, utf8(reason.code()));
        headers.add(DlqHeaders.DETAIL, utf8(detail == null ? "" : detail));
        headers.add(DlqHeaders.SOURCE_TOPIC, utf8(String.valueOf(sourceTopic)));
        headers.add(DlqHeaders.SOURCE_PARTITION, utf8(String.valueOf(partition)));
        headers.add(DlqHeaders.SOURCE_OFFSET, utf8(String.valueOf(offset)));
        return List.of(new ProducerRecord<>(topic, null, null, key, value, headers));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
