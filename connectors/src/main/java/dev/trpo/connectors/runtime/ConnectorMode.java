package dev.trpo.connectors.runtime;

/** How actors follow policy versions. */
public enum ConnectorMode {
    /** On-policy: every actor takes exactly steps-per-version steps under a version, then waits for a newer one. */
    SYNC,
    /** Actors never wait: they switch to a newer version as soon as one arrives (the trainer bounds the lag). */
    ASYNC
}
