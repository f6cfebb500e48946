package dev.trpo.trainer;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.Batch;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.policy.TrpoUpdater;
import dev.trpo.policy.UpdateStats;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentStep;

/**
 * One training step from version v to v+1, top to bottom: segments to a batch, the trust-region policy step and
 * the critic fit on observations normalised with version v's normaliser (the one the actors used), then the
 * normaliser update with the batch's raw observations (for version v+1). With reward normalisation, the batch's raw
 * rewards then update the return statistics, and the critic's output is rescaled by the change of scale so its values
 * stay in the units version v+1's learning rewards have (its Adam moments converted with it). In async mode a sample
 * of an older version u has its advantage and value target in u's units; they are multiplied by scale(v) / scale(u)
 * first, from the scales the state keeps for the last max-policy-lag versions. Deterministic: the only randomness
 * (Fisher sub-sampling, critic minibatch order) comes from a generator seeded with (run seed, version), so a trainer
 * restarted from version v's snapshot repeats the step exactly. Not thread-safe.
 */
final class Learner {
    /** The golden-ratio increment of SplitMix64: spreads consecutive versions over the seed space. */
    private static final long VERSION_MIX = 0x9E3779B97F4A7C15L;

    private final TrpoUpdater updater;
    private final Hyperparameters hp;

    Learner(Hyperparameters hp) {
        this.updater = new TrpoUpdater(hp.trpoConfig(), hp.criticConfig());
        this.hp = hp;
    }

    /**
     * The reward scales to keep once {@code version} acts with {@code rewards}: in async mode with reward
     * normalisation, {@code kept} plus (version, scale) without the versions older than max-policy-lag; otherwise
     * none.
     */
    static TreeMap<Long, Double> keptScales(Hyperparameters hp, RewardNormalizer rewards, long version,
                                            Map<Long, Double> kept) {
        TreeMap<Long, Double> out = new TreeMap<>();
        if (hp.mode() != TrainerMode.ASYNC || !rewards.enabled()) {
            return out;
        }
        out.putAll(kept);
        out.put(version, rewards.scale());
        out.headMap(version - hp.maxPolicyLag()).clear();
        return out;
    }

    /**
     * Per segment, the factor that takes its advantages and value targets to version {@code state.version()}'s
     * reward units: scale(v) / scale(u) for a segment of an older version u whose scale is kept, else 1. Null when
     * every factor is 1 (sync mode, no reward normalisation).
     */
    static double[] unitFactors(TrainingState state, List<Segment> segments) {
        Map<Long, Double> scales = state.rewardScales();
        Double current = scales.get(state.version());
        if (!state.rewards().enabled() || current == null) {
            return null;
        }
        double[] f = new double[segments.size()];
        for (int k = 0; k < f.length; k++) {
            Double then = scales.get(segments.get(k).getPolicyVersion());
            f[k] = then == null ? 1.0 : current / then;
        }
        return f;
    }

    /** What one step did. */
    record Outcome(TrainingState next, UpdateStats stats, int samples, long episodes) {
    }

    /** The generator of the update from {@code version}: the same (seed, version) always gives the same stream. */
    static SplittableRandom updateRandom(long seed, long version) {
        return new SplittableRandom(seed ^ (version * VERSION_MIX));
    }

    /**
     * Trains {@code state}'s policy on {@code segments} (already in canonical order) and returns version + 1.
     * {@code state}'s policy and optimiser are modified in place and handed to the returned state.
     *
     * @param staleDropped samples dropped while collecting this batch, added to the counters
     * @param hyperParameters the map the new snapshot carries
     */
    Outcome step(TrainingState state, List<Segment> segments, long staleDropped,
                 java.util.Map<String, String> hyperParameters) {
        ActorCritic ac = state.policy();
        Batch batch = toBatch(segments, ac.obsDim(), ac.actionSpace(), unitFactors(state, segments));

        UpdateStats stats = updater.update(ac, batch, state.criticOptimiser(), updateRandom(state.seed(), state.version()));
        if (ac.normalizer().enabled()) {
            ac.normalizer().update(batch.rawObs(), batch.size());
        }
        RewardNormalizer rewards = state.rewards();
        if (rewards.enabled()) {
            double before = rewards.scale();
            updateReturns(rewards, state.returnCarry(), segments);
            ac.scaleValues(rewards.scale() / before, state.criticOptimiser());
        }

        long episodes = countEpisodeEnds(segments);
        TrainingState next = new TrainingState(state.version() + 1, state.version(), state.envId(), ac,
                state.criticOptimiser(), state.seed(), hyperParameters,
                state.counters().plus(batch.size(), episodes, !stats.accepted(), staleDropped), rewards,
                state.returnCarry(), keptScales(hp, rewards, state.version() + 1, state.rewardScales()));
        return new Outcome(next, stats, batch.size(), episodes);
    }

    /**
     * Adds every actor's discounted returns over {@code segments} (in their order) to the reward statistics,
     * continuing each actor's carried return; a segment that starts an episode starts from 0.
     */
    static void updateReturns(RewardNormalizer rewards, Map<String, Double> carry, List<Segment> segments) {
        int longest = 0;
        for (Segment s : segments) {
            longest = Math.max(longest, s.getSteps().size());
        }
        double[] r = new double[longest];
        boolean[] end = new boolean[longest];
        double[] scratch = new double[longest];
        for (Segment s : segments) {
            List<SegmentStep> steps = s.getSteps();
            for (int i = 0; i < steps.size(); i++) {
                SegmentStep st = steps.get(i);
                r[i] = st.getReward();
                end[i] = st.getTerminated() || st.getTruncated();
            }
            double from = steps.isEmpty() || steps.get(0).getStep() == 0 ? 0 : carry.getOrDefault(s.getActorId(), 0.0);
            carry.put(s.getActorId(), rewards.update(from, r, end, 0, steps.size(), scratch));
        }
    }

    /**
     * Flattens segments, in the given order, into the updater's batch of raw observations; segment k's advantages
     * and value targets are multiplied by {@code unitFactors[k]} (null: by 1).
     */
    static Batch toBatch(List<Segment> segments, int obsDim, ActionSpace space, double[] unitFactors) {
        int n = 0;
        for (Segment s : segments) {
            n += s.getSteps().size();
        }
        int actionDim = space.actionDim();
        double[] obs = new double[n * obsDim];
        double[] actions = new double[n * actionDim];
        double[] logp = new double[n];
        double[] adv = new double[n];
        double[] targets = new double[n];
        int i = 0;
        for (int k = 0; k < segments.size(); k++) {
            double unit = unitFactors == null ? 1.0 : unitFactors[k];
            for (SegmentStep st : segments.get(k).getSteps()) {
                List<Double> o = st.getObservation();
                for (int j = 0; j < obsDim; j++) {
                    obs[i * obsDim + j] = o.get(j);
                }
                if (space instanceof ActionSpace.Discrete) {
                    actions[i] = st.getDiscreteAction();
                } else {
                    List<Double> a = st.getContinuousAction();
                    for (int j = 0; j < actionDim; j++) {
                        actions[i * actionDim + j] = a.get(j);
                    }
                }
                logp[i] = st.getBehaviourLogProb();
                adv[i] = unit * st.getAdvantage();
                targets[i] = unit * st.getValueTarget();
                i++;
            }
        }
        return new Batch(n, obs, actions, logp, adv, targets);
    }

    private static long countEpisodeEnds(List<Segment> segments) {
        long n = 0;
        for (Segment s : segments) {
            for (SegmentStep st : s.getSteps()) {
                if (st.getTerminated() || st.getTruncated()) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Why a segment cannot be trained on in this environment, or null when it can: observation and action sizes,
     * finite numbers, a non-empty step list.
     */
    static String invalidReason(Segment s, int obsDim, ActionSpace space) {
        if (s.getSteps().isEmpty()) {
            return "empty-segment";
        }
        for (SegmentStep st : s.getSteps()) {
            if (st.getObservation().size() != obsDim) {
                return "observation-size";
            }
            for (Double v : st.getObservation()) {
                if (!Double.isFinite(v)) {
                    return "non-finite";
                }
            }
            if (space instanceof ActionSpace.Discrete d) {
                Integer a = st.getDiscreteAction();
                if (a == null || a < 0 || a >= d.n()) {
                    return "action";
                }
            } else {
                List<Double> a = st.getContinuousAction();
                if (a == null || a.size() != space.actionDim()) {
                    return "action";
                }
                for (Double v : a) {
                    if (!Double.isFinite(v)) {
                        return "non-finite";
                    }
                }
            }
            if (!Double.isFinite(st.getBehaviourLogProb()) || !Double.isFinite(st.getAdvantage())
                    || !Double.isFinite(st.getValueTarget())) {
                return "non-finite";
            }
        }
        return null;
    }
}
