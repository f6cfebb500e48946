package dev.trpo.app.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.trpo.connectors.eval.PolicyEvaluator;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class PeriodicEvaluationTest {
    private static final String ENV = "CartPole-v1";

    /** CartPole with a linear policy: push right when the pole leans or turns right (gain > 0), or the wrong way. */
    private static PolicySnapshot snapshot(long version, double gain) {
        ActorCritic ac = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {}, Activation.TANH, 0, false, 1);
        double[] w = ac.actorParameters(); // W [2 x 4] row-major, then b [2]
        java.util.Arrays.fill(w, 0);
        w[4 + 2] = gain;  // logit of action 1 (right) grows with the pole angle
        w[4 + 3] = gain;  // ... and its angular velocity
        return Snapshots.toSnapshot(ac, new Snapshots.Meta("r", version, null, ENV, null, 1, Map.of(), null, 0));
    }

    @Test
    void itsEnvironmentsAreStartedOnceKeptAcrossEvaluationsAndStartedAnewAfterAFailure(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path starts = tmp.resolve("starts");
        java.nio.file.Path crash = tmp.resolve("crash");
        String env = dev.trpo.connectors.env.ProcessEnvironment.PREFIX + "python3 "
                + java.nio.file.Path.of("src/test/resources/process-env/counted.py").toAbsolutePath() + " "
                + java.nio.file.Path.of("../connectors/python").toAbsolutePath().normalize() + " " + starts + " " + crash;
        PolicySnapshot balancing = snapshot(10, 10.0);
        PolicySnapshot falling = snapshot(20, -10.0);
        double fresh = PolicyEvaluator.evaluate(Snapshots.toActorCritic(falling), env, 4, 7, 2).mean();
        java.nio.file.Files.delete(starts);

        PeriodicEvaluation e = new PeriodicEvaluation("r", env, 10, 4, 7, 2, new SimpleMeterRegistry());
        e.evaluate(balancing);
        double kept = e.evaluate(falling).mean();
        assertEquals(fresh, kept, 0.0, "kept instances play what fresh ones do");
        assertEquals(java.util.List.of("eval-0", "eval-1"), java.nio.file.Files.readAllLines(starts).stream().sorted().toList(),
                "two evaluations, one start of each instance");
        assertEquals(e.play(falling, 4).mean(), kept, 0.0);

        java.nio.file.Files.createFile(crash);
        assertThrows(dev.trpo.connectors.env.EnvironmentFailure.class, () -> e.evaluate(balancing));
        java.nio.file.Files.delete(crash);
        assertEquals(kept, e.evaluate(falling).mean(), 0.0, "the next evaluation starts new instances");
        assertEquals(4, java.nio.file.Files.readAllLines(starts).size());

        e.close();
        assertThrows(IllegalStateException.class, () -> e.evaluate(falling));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (ProcessHandle.current().descendants().anyMatch(p -> p.isAlive()
                && p.info().commandLine().orElse("").contains("counted.py"))) {
            assertTrue(System.nanoTime() < deadline, "closing ends the kept processes");
            Thread.sleep(50);
        }
    }

    @Test
    void theShareOfEpisodesThatAchievedTheTaskIsExportedWhenTheEnvironmentSaysIt() {
        String env = dev.trpo.connectors.env.ProcessEnvironment.PREFIX + "python3 "
                + java.nio.file.Path.of("../connectors/src/test/resources/process-env/reaches.py").toAbsolutePath().normalize()
                + " " + java.nio.file.Path.of("../connectors/python").toAbsolutePath().normalize();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PeriodicEvaluation e = new PeriodicEvaluation("r", env, 1, 4, 7, 2, registry)) {
            assertTrue(Double.isNaN(registry.get(PeriodicEvaluation.SUCCESS_RATE).gauge().value()));
            for (int action = 0; action < 2; action++) {
                ActorCritic always = dev.trpo.connectors.eval.FixedActionPolicy.always(action, 5);
                e.evaluate(Snapshots.toSnapshot(always, new Snapshots.Meta("r", action + 1, null, env, null, 1, Map.of(),
                        null, 0)));
                assertEquals(action, registry.get(PeriodicEvaluation.SUCCESS_RATE).gauge().value(), 0.0,
                        "always action " + action);
            }
        }
        PeriodicEvaluation cartPole = new PeriodicEvaluation("c", ENV, 1, 2, 7, new SimpleMeterRegistry());
        assertTrue(Double.isNaN(cartPole.evaluate(snapshot(1, 10.0)).result().successRate()));
    }

    @Test
    void onlyPositiveMultiplesAreDueAndZeroTurnsItOff() {
        PeriodicEvaluation every3 = new PeriodicEvaluation("r", ENV, 3, 2, 7, new SimpleMeterRegistry());
        assertFalse(every3.due(0));
        assertFalse(every3.due(2));
        assertTrue(every3.due(3));
        assertTrue(every3.due(9));
        PeriodicEvaluation off = new PeriodicEvaluation("r", ENV, 0, 2, 7, new SimpleMeterRegistry());
        assertFalse(off.due(10));
        assertThrows(IllegalArgumentException.class, () -> new PeriodicEvaluation("r", ENV, -1, 2, 7, new SimpleMeterRegistry()));
        assertThrows(IllegalArgumentException.class, () -> new PeriodicEvaluation("r", ENV, 1, 0, 7, new SimpleMeterRegistry()));
    }

    @Test
    void itPlaysTheFinalEvaluationsEpisodesKeepsTheBestAndExportsThem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PeriodicEvaluation e = new PeriodicEvaluation("r", ENV, 10, 5, 1_000_001, registry);
        assertNull(e.best());
        assertTrue(Double.isNaN(registry.get(PeriodicEvaluation.BEST_RETURN).gauge().value()));
        PolicySnapshot balancing = snapshot(10, 10.0);
        PolicySnapshot falling = snapshot(20, -10.0);

        PeriodicEvaluation.Evaluated good = e.evaluate(balancing);
        PeriodicEvaluation.Evaluated bad = e.evaluate(falling);

        double expected = PolicyEvaluator.evaluate(Snapshots.toActorCritic(balancing), ENV, 5, 1_000_001).mean();
        assertEquals(expected, good.mean(), 0.0, "the same episodes as PolicyEvaluator with that seed");
        assertTrue(good.mean() > bad.mean() + 50, good.mean() + " vs " + bad.mean());
        assertSame(balancing, e.best().snapshot(), "a worse later version does not replace the best");
        assertEquals(bad.mean(), registry.get(PeriodicEvaluation.RETURN).gauge().value(), 0.0);
        assertEquals(20.0, registry.get(PeriodicEvaluation.VERSION).gauge().value(), 0.0);
        assertEquals(good.mean(), registry.get(PeriodicEvaluation.BEST_RETURN).gauge().value(), 0.0);
        assertEquals(2.0, registry.get(PeriodicEvaluation.EVALUATIONS).counter().count(), 0.0);

        assertTrue(e.hasEvaluated(falling) && !e.hasEvaluated(balancing), "only the last evaluation counts");
        assertSame(bad, e.evaluated(falling), "the version just evaluated is not played again");
        assertEquals(2.0, registry.get(PeriodicEvaluation.EVALUATIONS).counter().count(), 0.0);
        assertEquals(good.mean(), e.evaluated(balancing).mean(), 0.0, "another version is evaluated anew");
        assertEquals(3.0, registry.get(PeriodicEvaluation.EVALUATIONS).counter().count(), 0.0);

        PeriodicEvaluation onThree = new PeriodicEvaluation("r3", ENV, 10, 5, 1_000_001, 3, new SimpleMeterRegistry());
        assertEquals(good.mean(), onThree.evaluate(balancing).mean(), 0.0, "the same figure on three instances");
        assertThrows(IllegalArgumentException.class,
                () -> new PeriodicEvaluation("r", ENV, 1, 2, 7, 0, new SimpleMeterRegistry()));

        PeriodicEvaluation.Evaluated tie = e.evaluate(snapshot(30, 10.0));
        assertEquals(good.mean(), tie.mean(), 0.0);
        assertEquals(30, e.best().version(), "a later version wins a tie");
    }
}
