import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.StepResult;
import dev.trpo.connectors.eval.PolicyEvaluator;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.AdamState;
import dev.trpo.policy.Batch;
import dev.trpo.policy.Gae;
import dev.trpo.policy.TrpoUpdater;
import dev.trpo.policy.Workspace;
import dev.trpo.trainer.Hyperparameters;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The learning loop of sb3-contrib's TRPO with this project's policy code and no Kafka: n_envs = 2 environments, a
 * rollout of batch-steps / 2 steps each, GAE per environment (a truncated episode bootstraps from V(final
 * observation)), then one TrpoUpdater step. Environments without observation or reward normalisation only (CartPole,
 * Pendulum). It separates "how the maths learns" from "what the pipeline does to it".
 *
 *   java -cp "app/target/trpo.jar:app/target/lib/*" bench/InProcessLoop.java ENV THRESHOLD STEPS SEED... [key=value...]
 */
public class InProcessLoop {
    public static void main(String[] args) {
        String envId = args[0];
        double threshold = Double.parseDouble(args[1]);
        long total = Long.parseLong(args[2]);
        List<Long> seeds = new ArrayList<>();
        Map<String, String> overrides = new HashMap<>();
        for (int i = 3; i < args.length; i++) {
            if (args[i].contains("=")) {
                String[] kv = args[i].split("=", 2);
                overrides.put(kv[0], kv[1]);
            } else {
                seeds.add(Long.parseLong(args[i]));
            }
        }
        Hyperparameters hp = Hyperparameters.forEnv(envId, overrides);
        if (hp.normalizeObservations() || hp.normalizeRewards()) {
            System.err.println(envId + "'s preset normalises observations or rewards, which this loop does not do");
            System.exit(2);
        }
        System.out.println("| seed | steps to threshold (w10) | training return, last 10 episodes | final eval, 20 det. episodes |");
        System.out.println("|---|---|---|---|");
        for (long seed : seeds) {
            long[] reached = {-1};
            double[] eval = {0};
            double last = run(envId, hp, seed, total, threshold, reached, eval);
            System.out.printf("| %d | %s | %.1f | %.1f |%n", seed, reached[0] < 0 ? "None" : Long.toString(reached[0]),
                    last, eval[0]);
        }
    }

    static double run(String envId, Hyperparameters hp, long seed, long total, double threshold, long[] reached,
                      double[] eval) {
        final int envs = 2;
        final int steps = hp.batchSteps() / envs;
        SplittableRandom root = new SplittableRandom(seed);
        Environment[] env = new Environment[envs];
        SplittableRandom[] resetRng = new SplittableRandom[envs];
        for (int e = 0; e < envs; e++) {
            env[e] = Environments.create(envId);
            resetRng[e] = root.split();
        }
        SplittableRandom actRng = root.split();
        int od = env[0].observationSize();
        ActorCritic ac = ActorCritic.create(od, env[0].actionSpace(), hp.hiddenSizesArray(), hp.activation(),
                hp.logStdInit(), false, seed);
        int ad = ac.actionDim();
        TrpoUpdater updater = new TrpoUpdater(hp.trpoConfig(), hp.criticConfig());
        AdamState adam = new AdamState(ac.criticParameters().length);
        Workspace ws = ac.workspace(envs);
        Workspace one = ac.workspace(1);
        StepResult out = new StepResult(od);
        double[][] obs = new double[envs][od];
        for (int e = 0; e < envs; e++) {
            env[e].reset(resetRng[e], obs[e]);
        }
        double[] episodeReturn = new double[envs];
        Deque<Double> last10 = new ArrayDeque<>();
        long stepsDone = 0;
        for (long version = 0; stepsDone < total; version++) {
            int n = steps * envs;
            double[] bObs = new double[n * od];
            double[] bAct = new double[n * ad];
            double[] bLogp = new double[n];
            double[] bAdv = new double[n];
            double[] bRet = new double[n];
            double[][] r = new double[envs][steps];
            double[][] v = new double[envs][steps];
            double[][] next = new double[envs][steps];
            boolean[][] terminated = new boolean[envs][steps];
            boolean[][] ended = new boolean[envs][steps];
            double[] flat = new double[envs * od];
            double[] actions = new double[envs * ad];
            double[] logp = new double[envs];
            double[] values = new double[envs];
            double[] v1 = new double[1];
            for (int t = 0; t < steps; t++) {
                for (int e = 0; e < envs; e++) {
                    System.arraycopy(obs[e], 0, flat, e * od, od);
                }
                ac.act(flat, envs, actRng, false, actions, logp, values, ws);
                for (int e = 0; e < envs; e++) {
                    int row = e * steps + t;
                    System.arraycopy(obs[e], 0, bObs, row * od, od);
                    System.arraycopy(actions, e * ad, bAct, row * ad, ad);
                    bLogp[row] = logp[e];
                    v[e][t] = values[e];
                    if (t > 0 && !ended[e][t - 1]) {
                        next[e][t - 1] = values[e];
                    }
                    env[e].step(actions, e * ad, out);
                    stepsDone++;
                    r[e][t] = out.reward;
                    terminated[e][t] = out.terminated;
                    ended[e][t] = out.terminated || out.truncated;
                    episodeReturn[e] += out.reward;
                    if (!out.terminated && (out.truncated || t == steps - 1)) {
                        ac.values(out.observation, 1, v1, one);
                        next[e][t] = v1[0];
                    }
                    if (ended[e][t]) {
                        last10.addLast(episodeReturn[e]);
                        if (last10.size() > 10) {
                            last10.removeFirst();
                        }
                        if (reached[0] < 0 && last10.size() == 10 && mean(last10) >= threshold) {
                            reached[0] = stepsDone;
                        }
                        episodeReturn[e] = 0;
                        env[e].reset(resetRng[e], obs[e]);
                    } else {
                        System.arraycopy(out.observation, 0, obs[e], 0, od);
                    }
                }
            }
            double[] adv = new double[steps];
            double[] ret = new double[steps];
            for (int e = 0; e < envs; e++) {
                Gae.compute(steps, r[e], v[e], next[e], terminated[e], ended[e], hp.gamma(), hp.gaeLambda(), adv, ret);
                System.arraycopy(adv, 0, bAdv, e * steps, steps);
                System.arraycopy(ret, 0, bRet, e * steps, steps);
            }
            updater.update(ac, new Batch(n, bObs, bAct, bLogp, bAdv, bRet), adam,
                    new SplittableRandom(seed ^ (version * 0x9E3779B97F4A7C15L)));
        }
        eval[0] = PolicyEvaluator.evaluate(ac, envId, 20, seed + 1_000_000).mean();
        return mean(last10);
    }

    private static double mean(Deque<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
