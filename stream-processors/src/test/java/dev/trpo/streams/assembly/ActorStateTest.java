package dev.trpo.streams.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.Transition;

/** The compact binary form of an actor's state: what goes in comes out, and a state of another shape is refused. */
class ActorStateTest {
    private static final StepLayout BOX = StepLayout.of(3, ActionKind.BOX, 2);

    private static Transition step(int i) {
        return Transition.newBuilder().setRunId("r").setEnvId("Pendulum-v1").setActorId("a").setEpisode(4).setStep(i)
                .setObservation(List.of(1.0 * i, -2.0, 3.5)).setDiscreteAction(null).setContinuousAction(List.of(0.25, -0.75))
                .setReward(-1.5 * i).setTerminated(false).setTruncated(i == 9).setBehaviourLogProb(-1.25).setValue(7.0 + i)
                .setBootstrapValue(i == 9 ? 6.5 : null).setLastOfVersion(false).setPolicyVersion(3).setTimestampMs(100 + i).build();
    }

    @Test
    void encodedStateDecodesToTheSameStepsAndCounters() {
        ActorState s = new ActorState(BOX);
        for (int i = 0; i < 10; i++) {
            s.append(step(i));
        }
        s.lastSeenMs = 12345;

        ActorState back = ActorState.decode(BOX, s.encode());

        assertEquals(10, back.runSize);
        assertEquals(3L, back.runVersion);
        assertEquals(4L, back.lastEpisode);
        assertEquals(9, back.lastStep);
        assertTrue(back.episodeOpen);
        assertEquals(-67.5, back.episodeReturn);
        assertEquals(10, back.episodeLength);
        assertEquals(12345L, back.lastSeenMs);
        assertEquals(109L, back.lastTimestampMs);
        for (int i = 0; i < 10; i++) {
            assertEquals(i, back.step(i));
            assertEquals(4L, back.episode(i));
            assertEquals(1.0 * i, back.observation(i, 0));
            assertEquals(3.5, back.observation(i, 2));
            assertEquals(-0.75, back.continuousAction(i, 1));
            assertEquals(7.0 + i, back.value(i));
            assertEquals(i == 9, back.truncated(i));
            assertEquals(i == 9, back.hasBootstrap(i));
            assertFalse(back.terminated(i));
        }
        assertEquals(6.5, back.bootstrap(9));
        assertEquals(8.0, back.nextValue(0), "V(next obs) of a held step is the next step's value");
    }

    @Test
    void stateOfAnotherEnvironmentShapeIsRefused() {
        ActorState s = new ActorState(BOX);
        s.append(step(0));
        byte[] bytes = s.encode();

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ActorState.decode(StepLayout.of(4, ActionKind.DISCRETE, 2), bytes));
        assertTrue(e.getMessage().contains("written for"), e.getMessage());
    }
}
