package dev.trpo.policy;

import java.util.SplittableRandom;

/** Seeded random policies and batches for the tests. */
final class Problems {
    private Problems() {
    }

    /** A random actor problem: network, theta, data with behaviour logp near the policy's. */
    record Problem(Mlp net, ActionSpace space, ReferencePolicy ref, double[] theta, ReferencePolicy.Data data) {
        PolicyObjective loaded() {
            PolicyObjective obj = new PolicyObjective(net, space, data.n());
            obj.load(theta, ReferencePolicy.flat(data.obs()), ReferencePolicy.flat(data.actions()),
                    data.behaviourLogp(), data.adv(), data.n(), 1.0, null);
            return obj;
        }
    }

    static Problem random(int obsDim, int[] hidden, int outDim, boolean discrete, Activation act, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Mlp net = new Mlp(obsDim, hidden, outDim, act);
        ActionSpace space;
        if (discrete) {
            space = new ActionSpace.Discrete(outDim);
        } else {
            double[] lo = new double[outDim];
            double[] hi = new double[outDim];
            java.util.Arrays.fill(lo, -1);
            java.util.Arrays.fill(hi, 1);
            space = new ActionSpace.Box(lo, hi);
        }
        int[] sizes = net.layerSizes();
        ReferencePolicy ref = new ReferencePolicy(sizes, act, discrete);
        double[] theta = new double[ref.paramCount];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = rng.nextGaussian() * 0.5;
        }
        for (int k = ref.mlpCount; k < theta.length; k++) {
            theta[k] = -0.5 + 0.3 * rng.nextGaussian();
        }
        double[][] obs = new double[n][obsDim];
        double[][] actions = new double[n][discrete ? 1 : outDim];
        double[] beh = new double[n];
        double[] adv = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < obsDim; j++) {
                obs[i][j] = rng.nextGaussian();
            }
            if (discrete) {
                actions[i][0] = rng.nextInt(outDim);
            } else {
                for (int k = 0; k < outDim; k++) {
                    actions[i][k] = rng.nextGaussian();
                }
            }
            // behaviour differs slightly from theta_old, as with lag-bounded samples
            beh[i] = ref.logProb(theta, obs[i], actions[i]) + 0.05 * rng.nextGaussian();
            adv[i] = rng.nextGaussian();
        }
        return new Problem(net, space, ref, theta, new ReferencePolicy.Data(obs, actions, beh, adv));
    }
}
