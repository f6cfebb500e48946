package dev.trpo.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;

import dev.trpo.schemas.Topics;
import dev.trpo.streams.assembly.SegmentAssembler;
import dev.trpo.streams.validation.TransitionValidator;

/**
 * The stream processors' topology, built in one place for the service and the tests:
 *
 * <pre>
 * transitions-source (trpo.RUN.transitions)
 *   -> transition-validator          stateless checks; failures dead-lettered by the processing handler
 *   -> segment-assembler [actor-runs] order, duplicates, segments + GAE, episode summaries, idle punctuator
 *        -> segments-sink (trpo.RUN.segments)
 *        -> episodes-sink (trpo.RUN.episodes)
 * </pre>
 * Undecodable records never reach a processor: the deserialization handler dead-letters them.
 */
public final class StreamsTopology {
    /** Source node reading the run's transitions. */
    public static final String SOURCE = "transitions-source";
    /** Stateless validation node. */
    public static final String VALIDATOR = "transition-validator";
    /** Stateful assembly node. */
    public static final String ASSEMBLER = "segment-assembler";

    private StreamsTopology() {
    }

    /** Builds the topology of one run. */
    public static Topology build(StreamsSettings settings, StreamsMeters meters) {
        Topics topics = settings.topics();
        Topology topology = new Topology();
        topology.addSource(SOURCE, Serdes.String().deserializer(), topics.transitions().valueSerde().deserializer(),
                topics.transitions().name());
        topology.addProcessor(VALIDATOR, () -> new TransitionValidator(settings), SOURCE);
        topology.addProcessor(ASSEMBLER, () -> new SegmentAssembler(settings, meters), VALIDATOR);
        topology.addStateStore(SegmentAssembler.storeBuilder(settings), ASSEMBLER);
        topology.addSink(SegmentAssembler.SEGMENTS_OUTPUT, topics.segments().name(), topics.segments().keySerde().serializer(),
                topics.segments().valueSerde().serializer(), ASSEMBLER);
        topology.addSink(SegmentAssembler.EPISODES_OUTPUT, topics.episodes().name(), topics.episodes().keySerde().serializer(),
                topics.episodes().valueSerde().serializer(), ASSEMBLER);
        return topology;
    }
}
