package dev.trpo.streams.validation;

/** Why a record went to the run's dead-letter topic; {@link #code()} is the {@code trpo.dlq.reason} header. */
public enum DlqReason {
    /** The bytes are not a single-object-encoded Transition (bad marker, unknown schema, truncated body, empty). */
    UNDECODABLE("undecodable"),
    /** A number (observation, action, reward, log-probability, value, bootstrap value) is NaN or infinite. */
    NON_FINITE("non-finite"),
    /** The observation or action does not have the run environment's size or kind. */
    WRONG_SIZE("wrong-size"),
    /** Breaks the record contract otherwise: another run or environment, key other than the actor id, an action index
     *  out of range, a truncated or last-of-version step without its bootstrap value, a negative episode or step. */
    INVALID("invalid"),
    /** The (actor, episode, step) was already seen: dropped, never trained twice. */
    DUPLICATE("duplicate"),
    /** The step does not follow the actor's previous one: a gap, or a step of an episode already closed. */
    OUT_OF_ORDER("out-of-order"),
    /** An unexpected failure while processing the record (a bug): the record is set aside, processing goes on. */
    PROCESSING_ERROR("processing-error");

    private final String code;

    DlqReason(String code) {
        this.code = code;
    }

    /** The short code carried in the {@code trpo.dlq.reason} header and the metric's {@code reason} tag. */
    public String code() {
        return code;
    }
}
