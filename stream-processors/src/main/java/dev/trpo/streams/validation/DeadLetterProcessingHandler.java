package dev.trpo.streams.validation;

import java.util.Map;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record a processor rejects goes to the run's dead-letter topic and processing resumes. An
 * {@link InvalidTransitionException} carries its reason; any other exception is a bug, dead-lettered as
 * {@code processing-error} and logged with its stack trace, so bad data never stops the pipeline.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private DeadLetters letters;

    @Override
    public void configure(Map<String, ?> configs) {
        this.letters = DeadLetters.fromConfig(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        DlqReason reason;
        String detail;
        if (exception instanceof InvalidTransitionException invalid) {
            reason = invalid.reason();
            detail = invalid.getMessage();
        } else {
            reason = DlqReason.PROCESSING_ERROR;
            detail = String.valueOf(exception);
            LOG.error("processing failed node={} topic={} partition={} offset={}", context.processorNodeId(), context.topic(),
                    context.partition(), context.offset(), exception);
        }
        return Response.resume(letters.letter(reason, detail, context.topic(), context.partition(), context.offset(),
                context.sourceRawKey(), context.sourceRawValue()));
    }
}
