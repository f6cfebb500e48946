package dev.trpo.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not a readable single-object-encoded record. The {@link Reason} says which check
 * failed, so a dead-letter record can carry it.
 */
public final class RecordDecodingException extends SerializationException {
    private static final long serialVersionUID = 1L;

    /** Why the bytes could not be decoded. */
    public enum Reason {
        /** Empty or null payload. */
        EMPTY,
        /** The first two bytes are not Avro's single-object marker {@code C3 01}. */
        BAD_MARKER,
        /** The 8-byte schema fingerprint names no schema this reader knows. */
        UNKNOWN_FINGERPRINT,
        /** The body ends before the record does, or holds invalid data for the writer's schema. */
        TRUNCATED_BODY
    }

    private final Reason reason;

    public RecordDecodingException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
