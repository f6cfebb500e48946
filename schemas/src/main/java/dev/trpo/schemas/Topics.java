package dev.trpo.schemas;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import dev.trpo.schemas.signing.SnapshotSigner;

/**
 * Every topic of one run, with its key and value serdes, so no topic name or serde is written twice.
 * Names are {@code trpo.<run-id>.<noun>}.
 */
public final class Topics {
    /** A run id: letters, digits, '-' and '_', 1 to 100 characters (it becomes part of topic names). */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");
    /** Largest record the policy topics accept (a snapshot with optimiser state of a 256x256 network fits). */
    public static final int MAX_POLICY_BYTES = 8 * 1024 * 1024;

    private static final Serde<String> KEY = Serdes.String();

    private final String runId;
    private final TopicSpec<String, Transition> transitions;
    private final TopicSpec<String, Segment> segments;
    private final TopicSpec<String, EpisodeSummary> episodes;
    private final TopicSpec<String, PolicySnapshot> policies;
    private final TopicSpec<String, PolicySnapshot> policyHistory;
    private final TopicSpec<byte[], byte[]> dlq;
    private final TopicSpec<String, ActorCheckpoint> checkpoints;

    private Topics(String runId) {
        this.runId = runId;
        String prefix = "trpo." + runId + ".";
        Map<String, String> delete = Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
        this.transitions = new TopicSpec<>(prefix + "transitions", KEY, AvroSerde.of(Transition.class), delete,
                "every environment step, key = actor id");
        this.segments = new TopicSpec<>(prefix + "segments", KEY, AvroSerde.of(Segment.class), delete,
                "steps grouped per actor with GAE advantages, key = actor id");
        this.episodes = new TopicSpec<>(prefix + "episodes", KEY, AvroSerde.of(EpisodeSummary.class), delete,
                "one summary per finished episode, key = actor id");
        this.policies = new TopicSpec<>(prefix + "policies", KEY, AvroSerde.of(PolicySnapshot.class),
                Map.of("cleanup.policy", "compact", "max.message.bytes", String.valueOf(MAX_POLICY_BYTES),
                        "min.compaction.lag.ms", "0", "segment.ms", String.valueOf(3600_000L)),
                "the newest policy, compacted, key = run id");
        this.policyHistory = new TopicSpec<>(prefix + "policy-history", KEY, AvroSerde.of(PolicySnapshot.class),
                Map.of("cleanup.policy", "delete", "retention.ms", "-1", "max.message.bytes", String.valueOf(MAX_POLICY_BYTES)),
                "every policy version ever published, key = run id");
        this.dlq = new TopicSpec<>(prefix + "dlq", Serdes.ByteArray(), Serdes.ByteArray(),
                Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(30L * 24 * 3600 * 1000)),
                "records that failed validation, original bytes, reason in headers");
        this.checkpoints = new TopicSpec<>(prefix + "checkpoints", KEY, AvroSerde.of(ActorCheckpoint.class),
                Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0", "segment.ms", String.valueOf(3600_000L)),
                "where each actor stood after its last committed step, compacted, key = actor id");
    }

    /**
     * The topics of a run.
     *
     * @throws IllegalArgumentException when the run id is not 1-100 of [A-Za-z0-9_-]
     */
    public static Topics forRun(String runId) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("run id '" + runId + "' is invalid: use 1 to 100 letters, digits, '-' or '_'");
        }
        return new Topics(runId);
    }

    public String runId() {
        return runId;
    }

    public TopicSpec<String, Transition> transitions() {
        return transitions;
    }

    public TopicSpec<String, Segment> segments() {
        return segments;
    }

    public TopicSpec<String, EpisodeSummary> episodes() {
        return episodes;
    }

    public TopicSpec<String, PolicySnapshot> policies() {
        return policies;
    }

    public TopicSpec<String, PolicySnapshot> policyHistory() {
        return policyHistory;
    }

    public TopicSpec<byte[], byte[]> dlq() {
        return dlq;
    }

    /** Actors' checkpoints, written with their transitions; a restarted connector reads them to resume. */
    public TopicSpec<String, ActorCheckpoint> checkpoints() {
        return checkpoints;
    }

    /**
     * The two records that publish one snapshot: {@code value} (an encoded {@link PolicySnapshot}) keyed by the run
     * id on the policies and the policy-history topic, both signed by {@code signer} when it is not null.
     */
    public List<ProducerRecord<byte[], byte[]>> snapshotRecords(byte[] value, SnapshotSigner signer) {
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(2);
        for (TopicSpec<String, PolicySnapshot> topic : List.of(policies, policyHistory)) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic.name(), key, value);
            if (signer != null) {
                signer.addHeaders(value, record.headers());
            }
            records.add(record);
        }
        return records;
    }

    /** Every topic of the run, in creation order. */
    public List<TopicSpec<?, ?>> all() {
        return List.of(transitions, segments, episodes, policies, policyHistory, dlq, checkpoints);
    }

    /** Topics whose partition count follows the run's {@code --partitions}; the policy topics have one. */
    public boolean isPartitioned(TopicSpec<?, ?> topic) {
        return topic != policies && topic != policyHistory;
    }
}
