package dev.trpo.streams.validation;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

import dev.trpo.schemas.RecordDecodingException;

/**
 * Bytes that do not decode go to the run's dead-letter topic with reason {@code undecodable} and the decoder's
 * explanation, and processing resumes with the next record.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
    private DeadLetters letters;

    @Override
    public void configure(Map<String, ?> configs) {
        this.letters = DeadLetters.fromConfig(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String detail = exception instanceof RecordDecodingException e ? e.getMessage() : String.valueOf(exception);
        return Response.resume(letters.letter(DlqReason.UNDECODABLE, detail, record.topic(), record.partition(), record.offset(),
                record.key(), record.value()));
    }
}
