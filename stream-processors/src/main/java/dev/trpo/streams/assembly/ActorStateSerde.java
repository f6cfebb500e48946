package dev.trpo.streams.assembly;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Serde of the actor-runs store: the compact binary form of {@link ActorState} for one environment shape. */
final class ActorStateSerde implements Serde<ActorState> {
    private final StepLayout layout;

    ActorStateSerde(StepLayout layout) {
        this.layout = layout;
    }

    @Override
    public Serializer<ActorState> serializer() {
        return (topic, state) -> state == null ? null : state.encode();
    }

    @Override
    public Deserializer<ActorState> deserializer() {
        return (topic, bytes) -> bytes == null ? null : ActorState.decode(layout, bytes);
    }
}
