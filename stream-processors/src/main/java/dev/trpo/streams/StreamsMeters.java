package dev.trpo.streams;

import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import dev.trpo.schemas.EpisodeEnding;
import dev.trpo.schemas.SegmentEnd;
import dev.trpo.streams.validation.DlqReason;

/**
 * The stream processors' Micrometer meters: every name is a constant here, tagged {@code run} and {@code env}
 * (and {@code reason}, {@code end} or {@code ending} where said). Prometheus shows {@code trpo.streams.segments}
 * as {@code trpo_streams_segments_total}.
 */
public final class StreamsMeters {
    /** Counter: transitions that passed validation and entered an actor's open run. */
    public static final String TRANSITIONS = "trpo.streams.transitions";
    /** Counter: segments emitted, tagged {@code end} (episode_end, length, version_end, idle_timeout). */
    public static final String SEGMENTS = "trpo.streams.segments";
    /** Counter: steps emitted inside segments (each accepted step lands in exactly one segment or is abandoned). */
    public static final String SEGMENT_STEPS = "trpo.streams.segment.steps";
    /** Counter: episode summaries emitted, tagged {@code ending} (terminated, truncated, abandoned, restarted). */
    public static final String EPISODES = "trpo.streams.episodes";
    /** Counter: records sent to the run's dead-letter topic, tagged {@code reason} (see {@link DlqReason}). */
    public static final String DLQ_RECORDS = "trpo.streams.dlq.records";
    /** Counter: transitions dropped because their (actor, episode, step) was already seen; also dead-lettered. */
    public static final String DUPLICATES = "trpo.streams.duplicates";
    /**
     * Counter: accepted steps that never reached a segment because their actor went silent (or restarted) before
     * the value of the next observation was known.
     */
    public static final String ABANDONED_STEPS = "trpo.streams.abandoned.steps";

    /** Counter: actors that started again from episode 0 step 0 after later steps (see the assembler). */
    public static final String ACTOR_RESTARTS = "trpo.streams.actor.restarts";

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter transitions;
    private final Counter segmentSteps;
    private final Counter duplicates;
    private final Counter abandonedSteps;
    private final Counter restarts;
    private final Map<SegmentEnd, Counter> segments = new EnumMap<>(SegmentEnd.class);
    private final Map<EpisodeEnding, Counter> episodes = new EnumMap<>(EpisodeEnding.class);
    private final Map<DlqReason, Counter> dlq = new EnumMap<>(DlqReason.class);

    /** Registers every meter of one run in {@code registry}. */
    public StreamsMeters(MeterRegistry registry, String runId, String envId) {
        this.registry = registry;
        this.tags = Tags.of("run", runId, "env", envId);
        this.transitions = Counter.builder(TRANSITIONS).tags(tags).description("transitions accepted").register(registry);
        this.segmentSteps = Counter.builder(SEGMENT_STEPS).tags(tags).description("steps emitted in segments").register(registry);
        this.duplicates = Counter.builder(DUPLICATES).tags(tags).description("duplicate transitions dropped").register(registry);
        this.abandonedSteps = Counter.builder(ABANDONED_STEPS).tags(tags)
                .description("accepted steps of silent actors that could not be given an advantage").register(registry);
        this.restarts = Counter.builder(ACTOR_RESTARTS).tags(tags)
                .description("actors that started again from episode 0 step 0").register(registry);
        for (SegmentEnd end : SegmentEnd.values()) {
            segments.put(end, Counter.builder(SEGMENTS).tags(tags).tag("end", end.name().toLowerCase())
                    .description("segments emitted").register(registry));
        }
        for (EpisodeEnding ending : EpisodeEnding.values()) {
            episodes.put(ending, Counter.builder(EPISODES).tags(tags).tag("ending", ending.name().toLowerCase())
                    .description("episode summaries emitted").register(registry));
        }
        for (DlqReason reason : DlqReason.values()) {
            dlq.put(reason, Counter.builder(DLQ_RECORDS).tags(tags).tag("reason", reason.code())
                    .description("records dead-lettered").register(registry));
        }
    }

    /** The registry the meters live in (Kafka Streams' own metrics are bound there too). */
    public MeterRegistry registry() {
        return registry;
    }

    /** The common tags: run and env. */
    public Tags tags() {
        return tags;
    }

    public void transitionAccepted() {
        transitions.increment();
    }

    public void segmentEmitted(SegmentEnd end, int steps) {
        segments.get(end).increment();
        segmentSteps.increment(steps);
    }

    public void episodeEnded(EpisodeEnding ending) {
        episodes.get(ending).increment();
    }

    public void deadLettered(DlqReason reason) {
        dlq.get(reason).increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public void restarted() {
        restarts.increment();
    }

    public void abandoned(int steps) {
        abandonedSteps.increment(steps);
    }
}
