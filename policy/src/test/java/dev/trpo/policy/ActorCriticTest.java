package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Acting: log-probabilities, deterministic actions, seeded sampling, construction. */
class ActorCriticTest {
    @Test
    void actReportsTheLogProbabilityOfTheSampledAction() {
        for (ActionSpace space : new ActionSpace[] {new ActionSpace.Discrete(4),
            new ActionSpace.Box(new double[] {-2, -2, -2}, new double[] {2, 2, 2})}) {
            ActorCritic ac = ActorCritic.create(5, space, new int[] {16, 16}, Activation.TANH, -0.3, false, 2);
            ReferencePolicy ref = new ReferencePolicy(ac.actorNet().layerSizes(), Activation.TANH,
                    space instanceof ActionSpace.Discrete);
            int n = 20;
            double[] obs = new double[n * 5];
            SplittableRandom rng = new SplittableRandom(4);
            for (int i = 0; i < obs.length; i++) {
                obs[i] = rng.nextGaussian();
            }
            double[] actions = new double[n * ac.actionDim()];
            double[] logp = new double[n];
            double[] values = new double[n];

            ac.act(obs, n, rng, false, actions, logp, values, ac.workspace(n));

            for (int i = 0; i < n; i++) {
                double[] x = java.util.Arrays.copyOfRange(obs, i * 5, i * 5 + 5);
                double[] a = java.util.Arrays.copyOfRange(actions, i * ac.actionDim(), (i + 1) * ac.actionDim());
                assertEquals(ref.logProb(ac.actorParameters(), x, a), logp[i], 1e-12);
            }
            double[] v2 = new double[n];
            ac.values(obs, n, v2, ac.workspace(n));
            assertArrayEquals(values, v2);
        }
    }

    @Test
    void deterministicActionsAreTheArgmaxOrTheMean() {
        ActorCritic ac = ActorCritic.create(3, new ActionSpace.Discrete(3), new int[] {8}, Activation.TANH, 0, false, 5);
        ac.actorParameters()[ac.actorParameters().length - 1] = 5; // bias of logit 2
        double[] actions = new double[4];
        double[] logp = new double[4];

        ac.act(new double[12], 4, null, true, actions, logp, null, ac.workspace(4));

        assertArrayEquals(new double[] {2, 2, 2, 2}, actions);
        ActorCritic g = ActorCritic.create(3, new ActionSpace.Box(new double[] {-1}, new double[] {1}), new int[] {8},
                Activation.TANH, 0, false, 5);
        double[] mean = new double[1];
        g.act(new double[3], 1, null, true, mean, logp, null, g.workspace(1));
        assertEquals(0.0, mean[0], 1e-15, "zero input, zero biases: mean 0");
    }

    @Test
    void samplingFrequenciesFollowTheProbabilities() {
        ActorCritic ac = ActorCritic.create(1, new ActionSpace.Discrete(2), new int[] {2}, Activation.TANH, 0, false, 1);
        double[] p = ac.actorParameters();
        java.util.Arrays.fill(p, 0);
        p[p.length - 1] = Math.log(3); // logits (0, log 3): P(1) = 0.75
        int n = 4000;
        double[] actions = new double[n];
        double[] logp = new double[n];

        ac.act(new double[n], n, new SplittableRandom(12), false, actions, logp, null, ac.workspace(n));

        double ones = java.util.Arrays.stream(actions).sum();
        assertEquals(0.75, ones / n, 0.03); // ~4.4 standard errors
    }

    @Test
    void creationIsSeededAndLogStdInitialised() {
        ActionSpace box = new ActionSpace.Box(new double[] {-1, -1}, new double[] {1, 1});
        ActorCritic a = ActorCritic.create(3, box, new int[] {64, 64}, Activation.TANH, -0.5, true, 42);
        ActorCritic b = ActorCritic.create(3, box, new int[] {64, 64}, Activation.TANH, -0.5, true, 42);

        assertArrayEquals(a.actorParameters(), b.actorParameters());
        assertArrayEquals(a.criticParameters(), b.criticParameters());
        int n = a.actorParameters().length;
        assertEquals(-0.5, a.actorParameters()[n - 1]);
        assertEquals(-0.5, a.actorParameters()[n - 2]);
        assertTrue(a.normalizer().enabled());
        assertEquals(10.0, a.normalizer().clip());
    }

    @Test
    void fromPartsRejectsAWrongParameterCountNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ActorCritic.fromParts(4, new ActionSpace.Discrete(2), new int[] {8}, new int[] {8},
                        Activation.TANH, new double[57], new double[49], null));
        assertTrue(e.getMessage().contains("58") && e.getMessage().contains("57"), e.getMessage());
    }
}
