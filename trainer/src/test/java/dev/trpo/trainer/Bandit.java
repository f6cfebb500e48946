package dev.trpo.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.Workspace;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentEnd;
import dev.trpo.schemas.SegmentStep;

/**
 * A contextual bandit for trainer tests: the observation is x ~ U(-1, 1), two actions, reward 1 when the action is
 * the sign of x (1 for x &gt; 0, else 0). Every episode is one step and terminates, so the advantage is r - V(x) and
 * the value target is r.
 */
final class Bandit {
    static final EnvSpec SPEC = new EnvSpec("Bandit-v0", 1, new ActionSpace.Discrete(2));

    private Bandit() {
    }

    static double reward(double x, int action) {
        return action == (x > 0 ? 1 : 0) ? 1.0 : 0.0;
    }

    /**
     * Segments of {@code actors} actors, each {@code stepsPerActor} one-step episodes long in segments of
     * {@code segmentLength}, played by {@code policy} (or uniformly at random when null), labelled {@code version}.
     *
     * @param firstEpisode episode number of each actor's first step (episodes continue across versions)
     */
    static List<Segment> play(String runId, long version, ActorCritic policy, int actors, int stepsPerActor,
                              int segmentLength, long firstEpisode, SplittableRandom rng) {
        List<Segment> out = new ArrayList<>();
        Workspace ws = policy == null ? null : policy.workspace(1);
        double[] obs = new double[1];
        double[] action = new double[1];
        double[] logp = new double[1];
        double[] value = new double[1];
        for (int a = 0; a < actors; a++) {
            List<SegmentStep> steps = new ArrayList<>();
            for (int i = 0; i < stepsPerActor; i++) {
                obs[0] = rng.nextDouble(-1, 1);
                if (policy == null) {
                    action[0] = rng.nextInt(2);
                    logp[0] = Math.log(0.5);
                    value[0] = 0.5;
                } else {
                    policy.act(obs, 1, rng, false, action, logp, value, ws);
                }
                int act = (int) action[0];
                double r = reward(obs[0], act);
                steps.add(SegmentStep.newBuilder().setEpisode(firstEpisode + i).setStep(0)
                        .setObservation(List.of(obs[0])).setDiscreteAction(act).setContinuousAction(null)
                        .setReward(r).setTerminated(true).setTruncated(false).setBehaviourLogProb(logp[0])
                        .setValue(value[0]).setAdvantage(r - value[0]).setValueTarget(r).build());
                if (steps.size() == segmentLength || i == stepsPerActor - 1) {
                    out.add(Segment.newBuilder().setRunId(runId).setEnvId(SPEC.envId()).setActorId("actor-" + a)
                            .setPolicyVersion(version)
                            .setEnd(i == stepsPerActor - 1 ? SegmentEnd.VERSION_END : SegmentEnd.LENGTH)
                            .setGamma(0.99).setLambda(0.95).setSteps(steps).build());
                    steps = new ArrayList<>();
                }
            }
        }
        return out;
    }

    /** Mean probability of the rewarded action on a fixed grid of 201 points in [-1, 1]. */
    static double expectedReward(ActorCritic policy) {
        int n = 201;
        double[] obs = new double[n];
        for (int i = 0; i < n; i++) {
            obs[i] = -1 + 2.0 * i / (n - 1);
        }
        double[] action = new double[n];
        double[] logp = new double[n];
        Workspace ws = policy.workspace(n);
        // Deterministic argmax gives the greedy action; its log-probability is that of the greedy choice.
        policy.act(obs, n, null, true, action, logp, null, ws);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double pGreedy = Math.exp(logp[i]);
            sum += reward(obs[i], (int) action[i]) == 1.0 ? pGreedy : 1 - pGreedy;
        }
        return sum / n;
    }
}
