package dev.trpo.connectors.env;

import java.util.List;

/**
 * Replays a trace in the golden format on the registered environment and compares every step within the
 * golden tolerances ({@code ../shared/golden/README.md}).
 */
public final class Conformance {

    /** Absolute tolerance of {@code next_state}: double-precision dynamics must agree to rounding noise. */
    public static final double STATE_TOLERANCE = 1e-9;
    /** Absolute tolerance of the reward, for the same reason. */
    public static final double REWARD_TOLERANCE = 1e-9;
    /** Tolerance of an observation value relative to {@code max(1, |expected|)}: float32 rounding of a state
     *  that agrees to 1e-9 can still land one float32 ulp away. */
    public static final double OBS_RELATIVE_TOLERANCE = 1e-6;

    private Conformance() {
    }

    /**
     * Replays {@code expected} (its env id, initial state and actions) open loop and compares the result.
     *
     * @throws IllegalArgumentException when the env id is unknown or sizes do not match the environment
     */
    public static EpisodeComparison check(Trace expected) {
        Environment env = Environments.create(expected.envId());
        Trace actual = TraceReplayer.replay(env, expected.episode(), expected.initialState(), expected.actions());
        return compare(expected, actual);
    }

    /** Compares two traces step by step; steps present in only one of them count as a failure. */
    public static EpisodeComparison compare(Trace expected, Trace actual) {
        double maxState = 0;
        double maxReward = 0;
        double maxObs = expected.initialObs() == null ? 0 : obsError(expected.initialObs(), actual.initialObs());
        int flagMismatches = 0;
        int firstFailure = maxObs > OBS_RELATIVE_TOLERANCE ? 0 : -1;
        List<TraceStep> e = expected.steps();
        List<TraceStep> a = actual.steps();
        int common = Math.min(e.size(), a.size());
        for (int t = 0; t < common; t++) {
            TraceStep es = e.get(t);
            TraceStep as = a.get(t);
            double stateErr = absError(es.nextState(), as.nextState());
            double rewardErr = Math.abs(es.reward() - as.reward());
            double obsErr = obsError(es.obs(), as.obs());
            boolean flagsDiffer = es.terminated() != as.terminated() || es.truncated() != as.truncated();
            maxState = max(maxState, stateErr);
            maxReward = max(maxReward, rewardErr);
            maxObs = max(maxObs, obsErr);
            if (flagsDiffer) {
                flagMismatches++;
            }
            boolean failed = !(stateErr <= STATE_TOLERANCE) || !(rewardErr <= REWARD_TOLERANCE)
                    || !(obsErr <= OBS_RELATIVE_TOLERANCE) || flagsDiffer;
            if (failed && firstFailure < 0) {
                firstFailure = t;
            }
        }
        if (e.size() != a.size() && firstFailure < 0) {
            firstFailure = common;
        }
        return new EpisodeComparison(expected.envId(), expected.episode(), e.size(), a.size(), maxState, maxReward,
                maxObs, flagMismatches, firstFailure);
    }

    /** NaN-propagating max, so a NaN error is never hidden by a later finite one. */
    private static double max(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }

    private static double absError(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }

    private static double obsError(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = max(worst, Math.abs(expected[i] - actual[i]) / Math.max(1.0, Math.abs(expected[i])));
        }
        return worst;
    }
}
