package dev.trpo.policy;

/**
 * Reward normalisation as Stable-Baselines3's {@code VecNormalize(norm_reward=True)} does it: a running variance of
 * each actor's discounted return {@code R_t = gamma * R_(t-1) + r_t} (reset to 0 after an episode ends), and the
 * learning reward {@code clip(r / sqrt(var + 1e-8), -clip, clip)}. The mean is not subtracted: only the scale
 * changes, so the sign of a reward is kept.
 *
 * <p>Here the statistics are the trainer's, updated once per batch from every actor's rewards (in the batch's
 * canonical order, so the result is deterministic), and a policy version carries the scale its actors use; a
 * disabled normaliser is the identity. Not thread-safe.
 */
public final class RewardNormalizer {
    private final boolean enabled;
    private final double gamma;
    private final double clip;
    /** One-component running statistics of the discounted returns. */
    private final ObservationNormalizer returns;
    /** 1 / sqrt(var + eps), kept current by {@link #update}; 1 when disabled. */
    private double scale;

    private RewardNormalizer(boolean enabled, double gamma, double clip, ObservationNormalizer returns) {
        if (!(gamma >= 0 && gamma <= 1)) {
            throw new IllegalArgumentException("reward normaliser gamma must be in [0, 1], got " + gamma);
        }
        if (Double.isNaN(clip)) {
            throw new IllegalArgumentException("reward normaliser clip must be a number (<= 0 or inf = no clip), got NaN");
        }
        this.enabled = enabled;
        this.gamma = gamma;
        this.clip = clip;
        this.returns = returns;
        this.scale = computeScale();
    }

    private double computeScale() {
        return enabled ? 1 / Math.sqrt(returns.var()[0] + ObservationNormalizer.VARIANCE_EPSILON) : 1;
    }

    /** A fresh, enabled normaliser: variance 1 and count 0, so its first scale is 1. */
    public static RewardNormalizer create(double gamma, double clip) {
        return new RewardNormalizer(true, gamma, clip, new ObservationNormalizer(1, 0));
    }

    /** The identity: learning reward = reward. */
    public static RewardNormalizer disabled() {
        return new RewardNormalizer(false, 0.99, 0, ObservationNormalizer.disabled(1));
    }

    /** An enabled normaliser restored from saved statistics. */
    public static RewardNormalizer of(double gamma, double clip, double mean, double var, double count) {
        return new RewardNormalizer(true, gamma, clip,
                ObservationNormalizer.of(new double[] {mean}, new double[] {var}, count, 0));
    }

    /** False for the identity. */
    public boolean enabled() {
        return enabled;
    }

    /** The discount of the returns whose variance is tracked. */
    public double gamma() {
        return gamma;
    }

    /** The clip bound of the learning reward (&lt;= 0 or infinite: none). */
    public double clip() {
        return clip;
    }

    /** Running mean of the discounted returns (kept for the record; not used by the scale). */
    public double mean() {
        return returns.mean()[0];
    }

    /** Running population variance of the discounted returns (1 before any update). */
    public double var() {
        return returns.var()[0];
    }

    /** Number of returns behind the statistics. */
    public double count() {
        return returns.count();
    }

    /** 1 / sqrt(var + 1e-8); 1 when disabled. */
    public double scale() {
        return scale;
    }

    /** The learning reward of a raw reward: scaled and clipped; the reward itself when disabled. */
    public double apply(double reward) {
        return apply(reward, scale, enabled ? clip : 0);
    }

    /** {@code reward * scale} clipped to [-clip, clip] (no clipping when clip &lt;= 0 or infinite). */
    public static double apply(double reward, double scale, double clip) {
        double r = reward * scale;
        if (clip > 0 && !Double.isInfinite(clip)) {
            r = Math.max(-clip, Math.min(clip, r));
        }
        return r;
    }

    /**
     * Adds one actor's consecutive rewards to the statistics and returns the discounted return carried past the
     * last one (0 when the last step ended an episode). No-op returning {@code carry} when disabled.
     *
     * @param carry      the actor's discounted return before {@code rewards[from]} (0 at an episode start)
     * @param rewards    raw rewards
     * @param episodeEnd true where the step ended its episode (terminated or truncated)
     * @param scratch    receives the returns; length &gt;= count
     */
    public double update(double carry, double[] rewards, boolean[] episodeEnd, int from, int count, double[] scratch) {
        if (!enabled || count <= 0) {
            return carry;
        }
        double ret = carry;
        for (int i = 0; i < count; i++) {
            ret = gamma * ret + rewards[from + i];
            scratch[i] = ret;
            if (episodeEnd[from + i]) {
                ret = 0;
            }
        }
        returns.update(scratch, count);
        scale = computeScale();
        return ret;
    }
}
