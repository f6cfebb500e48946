package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RewardNormalizerTest {

    /**
     * VecNormalize's reward path written out naively: one running mean/variance updated one return at a time
     * (Welford), returns = gamma * returns + r, reset after done.
     */
    static final class NaiveReturnStats {
        double mean;
        double m2;
        long n;

        void add(double x) {
            n++;
            double d = x - mean;
            mean += d / n;
            m2 += d * (x - mean);
        }

        double var() {
            return m2 / n;
        }
    }

    @Test
    void statisticsAreThoseOfEveryActorsDiscountedReturnsWithResetsAtEpisodeEnds() {
        double gamma = 0.97;
        RewardNormalizer rn = RewardNormalizer.create(gamma, 10);
        NaiveReturnStats naive = new NaiveReturnStats();
        SplittableRandom rng = new SplittableRandom(5);
        double[] carry = new double[3];
        double[] naiveRet = new double[3];
        double[] scratch = new double[64];
        // three actors, several batches of uneven runs; episode ends at random
        for (int batch = 0; batch < 4; batch++) {
            for (int actor = 0; actor < 3; actor++) {
                int len = 5 + rng.nextInt(40);
                double[] r = new double[len];
                boolean[] end = new boolean[len];
                for (int i = 0; i < len; i++) {
                    r[i] = rng.nextDouble(-3, 1);
                    end[i] = rng.nextInt(12) == 0;
                    naiveRet[actor] = gamma * naiveRet[actor] + r[i];
                    naive.add(naiveRet[actor]);
                    if (end[i]) {
                        naiveRet[actor] = 0;
                    }
                }
                carry[actor] = rn.update(carry[actor], r, end, 0, len, scratch);
                assertEquals(naiveRet[actor], carry[actor], 1e-12, "carried return of actor " + actor);
            }
        }
        assertEquals(naive.n, rn.count());
        assertEquals(naive.mean, rn.mean(), 1e-12);
        assertEquals(naive.var(), rn.var(), 1e-12);
        assertEquals(1 / Math.sqrt(naive.var() + 1e-8), rn.scale(), 1e-12);
    }

    @Test
    void theLearningRewardIsScaledWithoutCentringAndClipped() {
        RewardNormalizer rn = RewardNormalizer.of(0.99, 10, -50, 400, 1000);
        double scale = 1 / Math.sqrt(400 + 1e-8);
        assertEquals(-1 * scale, rn.apply(-1), 1e-15, "the sign is kept: no mean is subtracted");
        assertEquals(10, rn.apply(1e6), 0.0);
        assertEquals(-10, rn.apply(-1e6), 0.0);
        assertEquals(1e6 * scale, RewardNormalizer.apply(1e6, scale, 0), 1e-6, "clip 0 means none");
    }

    @Test
    void aFreshNormaliserHasScaleOneAndADisabledOneIsTheIdentity() {
        assertEquals(1.0, RewardNormalizer.create(0.99, 10).scale(), 1e-8);
        RewardNormalizer off = RewardNormalizer.disabled();
        assertEquals(123.0, off.apply(123.0), 0.0);
        assertEquals(0.5, off.update(0.5, new double[] {1, 2}, new boolean[] {false, false}, 0, 2, new double[2]), 0.0);
        assertEquals(0.0, off.count());
    }

    @Test
    void scalingTheCriticsOutputScalesEveryValue() {
        ActorCritic ac = ActorCritic.create(3, new ActionSpace.Discrete(2), new int[] {8, 8}, Activation.TANH, 0, false, 4L);
        double[] obs = {0.3, -1.2, 0.7, 1.5, 0.1, -0.4};
        double[] before = new double[2];
        double[] after = new double[2];
        Workspace ws = ac.workspace(2);
        // a critic with a non-zero output bias, so both weights and bias must scale
        ac.criticParameters()[ac.criticParameters().length - 1] = 0.8;
        ac.values(obs, 2, before, ws);
        ac.scaleValues(0.25);
        ac.values(obs, 2, after, ws);
        for (int i = 0; i < 2; i++) {
            assertEquals(0.25 * before[i], after[i], 1e-12);
        }
        assertThrows(IllegalArgumentException.class, () -> ac.scaleValues(0));
    }

    /** d(mean squared error)/d(critic parameters) at the critic's current parameters. */
    private static double[] criticGradient(ActorCritic ac, double[] obs, double[] targets, int n) {
        Mlp net = ac.criticNet();
        Mlp.Buffers buf = net.buffers(n);
        net.forward(ac.criticParameters(), 0, obs, n, buf);
        double[] v = net.output(buf);
        double[] dv = net.outputGradient(buf);
        for (int i = 0; i < n; i++) {
            dv[i] = 2 * (v[i] - targets[i]) / n;
        }
        double[] g = new double[ac.criticParameters().length];
        net.backward(ac.criticParameters(), 0, obs, n, buf, g, 0);
        return g;
    }

    /**
     * When the reward unit changes by c, the critic's gradients in the new unit are c^2 times the old ones in the
     * hidden layers and c times in the (rescaled) output layer; Adam's moments must then be those it would hold had it
     * seen every earlier gradient in the new unit. Checked on an Adam history of 30 steps.
     */
    @Test
    void scalingTheCriticsOutputConvertsItsAdamMomentsToTheNewUnit() {
        final double c = 0.04; // MountainCar's first change of reward scale
        final int n = 16;
        ActorCritic ac = ActorCritic.create(3, new ActionSpace.Discrete(2), new int[] {8, 8}, Activation.TANH, 0, false, 4L);
        SplittableRandom rng = new SplittableRandom(12);
        double[] obs = new double[n * 3];
        double[] targets = new double[n];
        for (int i = 0; i < obs.length; i++) {
            obs[i] = rng.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            targets[i] = -60 + 15 * rng.nextGaussian();
        }
        int p = ac.criticParameters().length;
        int out = ac.criticNet().outputLayerOffset();
        AdamState old = new AdamState(p);
        AdamState inNewUnits = new AdamState(p);
        double[] scratch = new double[p];
        for (int t = 0; t < 30; t++) {
            double[] g = criticGradient(ac, obs, targets, n);
            double[] gNew = new double[p];
            for (int i = 0; i < p; i++) {
                gNew[i] = (i < out ? c * c : c) * g[i];
            }
            old.apply(ac.criticParameters(), g, 1e-3, 1e-5);
            inNewUnits.apply(scratch, gNew, 1e-3, 1e-5);
        }

        // the claim about the gradients, at the parameters reached
        double[] g = criticGradient(ac, obs, targets, n);
        double[] scaledTargets = targets.clone();
        for (int i = 0; i < n; i++) {
            scaledTargets[i] *= c;
        }
        ActorCritic rescaled = ac.copy();
        rescaled.scaleValues(c, old);
        double[] gAfter = criticGradient(rescaled, obs, scaledTargets, n);
        for (int i = 0; i < p; i++) {
            assertEquals((i < out ? c * c : c) * g[i], gAfter[i], 1e-12 * Math.max(1e-6, Math.abs(gAfter[i])),
                    "gradient[" + i + "] in the new unit");
        }
        // the moments
        for (int i = 0; i < p; i++) {
            assertEquals(inNewUnits.m()[i], old.m()[i], 1e-12 * Math.abs(inNewUnits.m()[i]) + 1e-300, "m[" + i + "]");
            assertEquals(inNewUnits.v()[i], old.v()[i], 1e-12 * Math.abs(inNewUnits.v()[i]) + 1e-300, "v[" + i + "]");
        }
        assertEquals(30, old.step());
        assertThrows(IllegalArgumentException.class, () -> ac.scaleValues(2, new AdamState(p + 1)));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RewardNormalizer.create(1.5, 10));
        assertThrows(IllegalArgumentException.class, () -> RewardNormalizer.create(0.99, Double.NaN));
    }
}
