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
