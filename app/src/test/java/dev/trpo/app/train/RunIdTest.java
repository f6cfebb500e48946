package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The environment's part of a default run id names it briefly and fits Kafka's topic names. */
class RunIdTest {
    @Test
    void builtInIdsLoseTheirPunctuation() {
        assertEquals("CartPolev1", TrainCommand.runIdPrefix("CartPole-v1"));
        assertEquals("MountainCarContinuousv0", TrainCommand.runIdPrefix("MountainCarContinuous-v0"));
    }

    @Test
    void aProcessEnvironmentIsNamedByItsScript() {
        assertEquals("cartpole", TrainCommand.runIdPrefix("process:python3 connectors/python/cartpole.py"));
        assertEquals("arm", TrainCommand.runIdPrefix("process:python3.11 /opt/sims/arm.py --fast --port 9"));
        assertEquals("mysim", TrainCommand.runIdPrefix("process:/usr/local/bin/my-sim"));
    }

    @Test
    void aLongNameIsCutToFortyCharacters() {
        String id = TrainCommand.runIdPrefix("process:python3 /x/" + "a".repeat(300) + ".py");
        assertEquals("a".repeat(40), id);
    }
}
