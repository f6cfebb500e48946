package dev.trpo.streams.validation;

/**
 * A transition that fails validation. Thrown by a processor, it reaches the {@link DeadLetterProcessingHandler},
 * which sends the original record to the dead-letter topic with {@link #reason()} and the message in headers.
 * It carries no stack trace: it is an expected outcome, not a bug, and bad data can arrive at full rate.
 */
public final class InvalidTransitionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final DlqReason reason;

    public InvalidTransitionException(DlqReason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public DlqReason reason() {
        return reason;
    }
}
