package dev.trpo.connectors.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Replays the Gymnasium 0.29.1 golden trajectories (copied from ../shared/golden) open loop. */
class GoldenTrajectoryTest {

    @ParameterizedTest
    @ValueSource(strings = {"CartPole-v1", "Pendulum-v1"})
    void everyGoldenEpisodeMatchesGymnasiumWithinTheGoldenTolerances(String envId) throws Exception {
        List<Trace> episodes = TraceCodec.readAll(golden(envId));

        assertEquals(3, episodes.size());
        for (Trace expected : episodes) {
            EpisodeComparison comparison = Conformance.check(expected);
            assertTrue(comparison.passed(), comparison.summary());
            assertEquals(expected.steps().size(), comparison.actualSteps());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"CartPole-v1", "Pendulum-v1"})
    void aTraceWrittenAndReadBackComparesEqualToItself(String envId) throws Exception {
        Trace expected = TraceCodec.readAll(golden(envId)).get(0);
        Trace replayed = TraceReplayer.replay(Environments.create(envId), 0, expected.initialState(), expected.actions());

        Trace roundTripped = TraceCodec.parse(TraceCodec.toJsonLine(replayed, envId.startsWith("CartPole")), 0);

        EpisodeComparison comparison = Conformance.compare(roundTripped, replayed);
        assertTrue(comparison.passed(), comparison.summary());
        assertEquals(0.0, comparison.maxStateError());
    }

    @ParameterizedTest
    @ValueSource(strings = {"CartPole-v1", "Pendulum-v1"})
    void aPerturbedRewardIsReportedAsAMismatch(String envId) throws Exception {
        Trace golden = TraceCodec.readAll(golden(envId)).get(0);
        TraceStep first = golden.steps().get(0);
        List<TraceStep> steps = new java.util.ArrayList<>(golden.steps());
        steps.set(0, new TraceStep(first.t(), first.state(), first.action(), first.reward() + 1e-6,
                first.nextState(), first.obs(), first.terminated(), first.truncated()));
        Trace tampered = new Trace(golden.envId(), golden.episode(), golden.maxEpisodeSteps(), golden.initialState(),
                golden.initialObs(), golden.actions(), steps);

        EpisodeComparison comparison = Conformance.check(tampered);

        assertEquals(0, comparison.firstFailure());
        assertTrue(comparison.maxRewardError() > Conformance.REWARD_TOLERANCE);
    }

    static Path golden(String envId) throws URISyntaxException {
        return Path.of(GoldenTrajectoryTest.class.getResource("/golden/" + envId + ".jsonl").toURI());
    }
}
