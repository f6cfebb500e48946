package dev.trpo.schemas;

/** Header names every dead-letter record carries (values are UTF-8 strings). */
public final class DlqHeaders {
    /** Why the record was rejected: a short code such as {@code undecodable}, {@code non-finite}. */
    public static final String REASON = "trpo.dlq.reason";
    /** A human-readable explanation. */
    public static final String DETAIL = "trpo.dlq.detail";
    /** Topic, partition and offset the record was read from. */
    public static final String SOURCE_TOPIC = "trpo.dlq.source.topic";
    public static final String SOURCE_PARTITION = "trpo.dlq.source.partition";
    public static final String SOURCE_OFFSET = "trpo.dlq.source.offset";

    private DlqHeaders() {
    }
}
