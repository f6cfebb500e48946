package dev.trpo.streams.validation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.trpo.schemas.DlqHeaders;
import dev.trpo.streams.StreamsMeters;
import dev.trpo.streams.StreamsSettings;

/** An unexpected exception (a bug) is dead-lettered as processing-error and processing resumes. */
class DeadLetterProcessingHandlerTest {
    private static final byte[] KEY = "a".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE = {1, 2, 3};

    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            public String topic() { return "trpo.r.transitions"; }
            public int partition() { return 2; }
            public long offset() { return 41; }
            public Headers headers() { return new RecordHeaders(); }
            public String processorNodeId() { return "segment-assembler"; }
            public TaskId taskId() { return new TaskId(0, 2); }
            public long timestamp() { return 0; }
            public byte[] sourceRawKey() { return KEY; }
            public byte[] sourceRawValue() { return VALUE; }
        };
    }

    @Test
    void unexpectedExceptionIsDeadLetteredAsProcessingErrorAndProcessingResumes() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        Map<String, Object> configs = new HashMap<>();
        configs.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "trpo.r.dlq");
        configs.put(StreamsSettings.METERS_CONFIG, new StreamsMeters(registry, "r", "CartPole-v1"));
        handler.configure(configs);

        ProcessingExceptionHandler.Response response = handler.handleError(context(), new Record<>("a", "x", 0L),
                new IllegalStateException("boom"));

        assertEquals(ProcessingExceptionHandler.Result.RESUME, response.result());
        List<ProducerRecord<byte[], byte[]>> letters = response.deadLetterQueueRecords();
        assertEquals(1, letters.size());
        ProducerRecord<byte[], byte[]> letter = letters.get(0);
        assertEquals("trpo.r.dlq", letter.topic());
        assertArrayEquals(KEY, letter.key());
        assertArrayEquals(VALUE, letter.value());
        assertEquals("processing-error", new String(letter.headers().lastHeader(DlqHeaders.REASON).value(), StandardCharsets.UTF_8));
        assertEquals("2", new String(letter.headers().lastHeader(DlqHeaders.SOURCE_PARTITION).value(), StandardCharsets.UTF_8));
        assertEquals("41", new String(letter.headers().lastHeader(DlqHeaders.SOURCE_OFFSET).value(), StandardCharsets.UTF_8));
        assertEquals(1.0, registry.get(StreamsMeters.DLQ_RECORDS).tag("reason", "processing-error").counter().count());
    }

    @Test
    void handlerWithoutMetersInItsConfigurationSaysHowToGetThem() {
        Map<String, Object> configs = Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "trpo.r.dlq");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DeadLetterProcessingHandler().configure(configs));
        assertEquals(true, e.getMessage().contains("StreamsSettings.toProperties"));
    }
}
