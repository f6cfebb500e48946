package dev.trpo.connectors.eval;

import java.util.List;
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
    /**
     * Returns of the evaluated episodes, with their mean and (population) standard deviation, and whether each
     * achieved the task when the environment says so ({@code successes[i]} null otherwise).
     */
    public record Result(String envId, double[] returns, int[] lengths, Boolean[] successes) {
        /** A result of an environment that reports no success. */
        public Result(String envId, double[] returns, int[] lengths) {
            this(envId, returns, lengths, new Boolean[returns.length]);
        }

        /** Episodes whose environment said whether they achieved the task. */
        public int reported() {
            int n = 0;
            for (Boolean b : successes) {
                n += b == null ? 0 : 1;
            }
            return n;
        }

        /** The share of the {@link #reported()} episodes that achieved the task; NaN when none was reported. */
        public double successRate() {
            int yes = 0;
            for (Boolean b : successes) {
                yes += Boolean.TRUE.equals(b) ? 1 : 0;
            }
            return reported() == 0 ? Double.NaN : (double) yes / reported();
        }

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
     * Evaluates {@code policy} on {@code episodes} episodes of {@code envId}, one after the other.
     *
     * @throws IllegalArgumentException when the environment is unknown, or does not fit the policy's sizes
     */
    public static Result evaluate(ActorCritic policy, String envId, int episodes, long seed) {
        return evaluate(policy, envId, episodes, seed, 1);
    }

    /**
     * Evaluates {@code policy} on {@code episodes} episodes of {@code envId}, played by up to {@code environments}
     * instances at once: each is started on its step before any is finished, so simulators in child processes work
     * at the same time. The result does not depend on {@code environments}: episode {@code i} always starts from
     * seed {@code seed + i} in a freshly reset instance, and a batched deterministic action equals the one computed
     * alone.
     *
     * @throws IllegalArgumentException when the environment is unknown, or does not fit the policy's sizes
     */
    public static Result evaluate(ActorCritic policy, String envId, int episodes, long seed, int environments) {
        if (episodes < 1) {
            throw new IllegalArgumentException("episodes must be >= 1, got " + episodes);
        }
        if (environments < 1) {
            throw new IllegalArgumentException("environments must be >= 1, got " + environments);
        }
        List<Environment> envs = Environments.create(envId, Math.min(environments, episodes), i -> "eval-" + i);
        try {
            return play(policy, envs, episodes, seed);
        } finally {
            envs.forEach(Environment::close);
        }
    }

    /**
     * Evaluates {@code policy} as {@link #evaluate(ActorCritic, String, int, long, int)} does, on instances the caller
     * made and keeps (up to {@code episodes} of them play): an evaluation that recurs need not start its simulators
     * again. The result is the same as on fresh instances, since every episode starts from a reset with its own seed.
     *
     * @throws IllegalArgumentException when the instances do not fit the policy's sizes
     */
    public static Result evaluate(ActorCritic policy, List<Environment> envs, int episodes, long seed) {
        if (episodes < 1) {
            throw new IllegalArgumentException("episodes must be >= 1, got " + episodes);
        }
        if (envs.isEmpty()) {
            throw new IllegalArgumentException("no environment instances to evaluate on");
        }
        return play(policy, envs.subList(0, Math.min(envs.size(), episodes)), episodes, seed);
    }

    private static Result play(ActorCritic policy, List<Environment> envs, int episodes, long seed) {
        Environment first = envs.get(0);
        String envId = first.id();
        if (first.observationSize() != policy.obsDim() || !first.actionSpace().equals(policy.actionSpace())) {
            throw new IllegalArgumentException("the policy (observation size " + policy.obsDim() + ", " + policy.actionSpace()
                    + ") does not fit " + envId + " (observation size " + first.observationSize() + ", "
                    + first.actionSpace() + ")");
        }
        int k = envs.size();
        int obsDim = policy.obsDim();
        int actionDim = policy.actionDim();
        double[] obs = new double[k * obsDim];       // the playing instances' observations, in rows
        double[] actions = new double[k * actionDim];
        double[] toEnv = new double[k * actionDim];
        double[] logp = new double[k];
        int[] row = new int[k];                      // instance -> its row in obs, for the instances playing
        int[] episodeOf = new int[k];                // instance -> the episode it plays, or -1 once done
        double[] total = new double[k];
        int[] length = new int[k];
        StepResult[] steps = new StepResult[k];
        Workspace ws = policy.workspace(k);
        SplittableRandom unused = new SplittableRandom(seed);
        ActionSpace.Box box = policy.actionSpace() instanceof ActionSpace.Box b ? b : null;
        double[] returns = new double[episodes];
        int[] lengths = new int[episodes];
        Boolean[] successes = new Boolean[episodes];
        int next = 0;
        for (int i = 0; i < k; i++) {
            steps[i] = new StepResult(obsDim);
            episodeOf[i] = next++;
            envs.get(i).startReset(new SplittableRandom(seed + episodeOf[i]), steps[i].observation);
        }
        for (int i = 0; i < k; i++) {
            envs.get(i).finishReset(steps[i].observation);
        }
        while (true) {
            int m = 0;
            for (int i = 0; i < k; i++) {
                if (episodeOf[i] >= 0) {
                    System.arraycopy(steps[i].observation, 0, obs, m * obsDim, obsDim);
                    row[i] = m++;
                }
            }
            if (m == 0) {
                break;
            }
            policy.act(obs, m, unused, true, actions, logp, null, ws);
            for (int j = 0; j < m * actionDim; j++) {
                int d = j % actionDim;
                toEnv[j] = box == null ? actions[j] : Math.max(box.low()[d], Math.min(box.high()[d], actions[j]));
            }
            for (int i = 0; i < k; i++) {
                if (episodeOf[i] >= 0) {
                    envs.get(i).startStep(toEnv, row[i] * actionDim, steps[i]);
                }
            }
            for (int i = 0; i < k; i++) {
                if (episodeOf[i] >= 0) {
                    envs.get(i).finishStep(steps[i]);
                    total[i] += steps[i].reward;
                    length[i]++;
                }
            }
            for (int i = 0; i < k; i++) {
                if (episodeOf[i] >= 0 && steps[i].done()) {
                    returns[episodeOf[i]] = total[i];
                    lengths[episodeOf[i]] = length[i];
                    successes[episodeOf[i]] = steps[i].success;
                    total[i] = 0;
                    length[i] = 0;
                    episodeOf[i] = next < episodes ? next++ : -1;
                    if (episodeOf[i] >= 0) {
                        envs.get(i).startReset(new SplittableRandom(seed + episodeOf[i]), steps[i].observation);
                    }
                }
            }
            for (int i = 0; i < k; i++) {
                if (episodeOf[i] >= 0 && length[i] == 0) {
                    envs.get(i).finishReset(steps[i].observation);
                }
            }
        }
        return new Result(envId, returns, lengths, successes);
    }
}
