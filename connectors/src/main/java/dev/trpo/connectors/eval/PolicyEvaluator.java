package dev.trpo.connectors.eval;

import java.util.SplittableRandom;

import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.StepResult;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.Workspace;

/**
 * Plays whole episodes with a policy's deterministic action (argmax, or the Gaussian mean clipped to the
 * action space) and reports the undiscounted returns. Episode {@code i} starts from the initial state drawn
 * with seed {@code seed + i}, so two evaluations with the same seed play the same episodes.
 */
public final class PolicyEvaluator {
    /** Returns of the evaluated episodes, with their mean and (population) standard deviation. */
    public record Result(String envId, double[] returns, int[] lengths) {
        public double mean() {
            double s = 0;
            for (double r : returns) {
                s += r;
            }
            return s / returns.length;
        }

        public double std() {
            double m = mean();
            double s = 0;
            for (double r : returns) {
                s += (r - m) * (r - m);
            }
            return Math.sqrt(s / returns.length);
        }
    }

    private PolicyEvaluator() {
    }

    /**
     * Evaluates {@code policy} on {@code episodes} episodes of {@code envId}.
     *
     * @throws IllegalArgumentException when the environment is unknown, or does not fit the policy's sizes
     */
    public static Result evaluate(ActorCritic policy, String envId, int episodes, long seed) {
        if (episodes < 1) {
            throw new IllegalArgumentException("episodes must be >= 1, got " + episodes);
        }
        try (Environment env = Environments.create(envId)) {
            return evaluate(policy, env, episodes, seed);
        }
    }

    private static Result evaluate(ActorCritic policy, Environment env, int episodes, long seed) {
        String envId = env.id();
        if (env.observationSize() != policy.obsDim() || !env.actionSpace().equals(policy.actionSpace())) {
            throw new IllegalArgumentException("the policy (observation size " + policy.obsDim() + ", " + policy.actionSpace()
                    + ") does not fit " + envId + " (observation size " + env.observationSize() + ", " + env.actionSpace() + ")");
        }
        int actionDim = policy.actionDim();
        double[] obs = new double[env.observationSize()];
        double[] action = new double[actionDim];
        double[] clipped = new double[actionDim];
        double[] logp = new double[1];
        double[] value = new double[1];
        Workspace ws = policy.workspace(1);
        StepResult step = new StepResult(env.observationSize());
        SplittableRandom unused = new SplittableRandom(seed);
        double[] returns = new double[episodes];
        int[] lengths = new int[episodes];
        for (int e = 0; e < episodes; e++) {
            env.reset(seed + e, obs);
            double total = 0;
            int length = 0;
            boolean done = false;
            while (!done) {
                policy.act(obs, 1, unused, true, action, logp, value, ws);
                double[] toEnv = action;
                if (policy.actionSpace() instanceof ActionSpace.Box box) {
                    for (int j = 0; j < actionDim; j++) {
                        clipped[j] = Math.max(box.low()[j], Math.min(box.high()[j], action[j]));
                    }
                    toEnv = clipped;
                }
                env.step(toEnv, 0, step);
                total += step.reward;
                length++;
                System.arraycopy(step.observation, 0, obs, 0, obs.length);
                done = step.terminated || step.truncated;
            }
            returns[e] = total;
            lengths[e] = length;
        }
        return new Result(envId, returns, lengths);
    }
}
