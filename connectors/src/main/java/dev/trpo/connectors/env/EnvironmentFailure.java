package dev.trpo.connectors.env;

/**
 * An environment, not trpo, failed while stepping (its process exited, answered out of protocol, lost its robot):
 * the message says which environment and what it reported, so callers log it without a stack trace.
 */
public final class EnvironmentFailure extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** @param message which environment failed, how, and what it said */
    public EnvironmentFailure(String message) {
        super(message);
    }

    /**
     * @param message which environment failed, how, and what it said
     * @param cause   the I/O failure underneath
     */
    public EnvironmentFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
