package dev.trpo.app.cli;

/**
 * A user error (bad flag value, missing file, unreachable cluster): printed as one line with how to
 * fix it, exit code 2, no stack trace.
 */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
