package dev.trpo.policy;

/**
 * Hyper-parameters of the trust-region policy step. Validated on construction; errors name the key and range.
 *
 * @param maxKl                   trust-region radius delta on the mean KL, &gt; 0 (default 0.01)
 * @param damping                 added to the Fisher in CG: (F + damping I) x = g, &gt;= 0 (default 0.1)
 * @param cgMaxIterations         conjugate-gradient iterations, &gt;= 1 (default 15)
 * @param cgResidualTolerance     CG stops when the squared residual |r|^2 falls below this, &gt;= 0 (default 1e-10)
 * @param lineSearchShrink        backtracking factor per try, in (0, 1) (default 0.8)
 * @param lineSearchMaxIterations line-search tries, &gt;= 1 (default 10)
 * @param convention              step scaling and acceptance rule (default {@link KlConvention#PAPER})
 * @param fisherSubsample         fraction of the batch used for Fisher-vector products, in (0, 1] (default 1)
 * @param normalizeAdvantages     normalise advantages to zero mean, unit (unbiased) std per batch (default true)
 */
public record TrpoConfig(double maxKl, double damping, int cgMaxIterations, double cgResidualTolerance,
                         double lineSearchShrink, int lineSearchMaxIterations, KlConvention convention,
                         double fisherSubsample, boolean normalizeAdvantages) {

    /** Validates every field. */
    public TrpoConfig {
        if (!(maxKl > 0) || Double.isInfinite(maxKl)) {
            throw new IllegalArgumentException("trpo.max-kl must be in (0, inf), got " + maxKl);
        }
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("trpo.damping must be in [0, inf), got " + damping);
        }
        if (cgMaxIterations < 1) {
            throw new IllegalArgumentException("trpo.cg.max-iterations must be >= 1, got " + cgMaxIterations);
        }
        if (!(cgResidualTolerance >= 0)) {
            throw new IllegalArgumentException("trpo.cg.residual-tolerance must be >= 0, got " + cgResidualTolerance);
        }
        if (!(lineSearchShrink > 0 && lineSearchShrink < 1)) {
            throw new IllegalArgumentException("trpo.line-search.shrink must be in (0, 1), got " + lineSearchShrink);
        }
        if (lineSearchMaxIterations < 1) {
            throw new IllegalArgumentException("trpo.line-search.max-iterations must be >= 1, got "
                    + lineSearchMaxIterations);
        }
        if (convention == null) {
            throw new IllegalArgumentException("trpo.kl-convention must be one of PAPER, SB3, got null");
        }
        if (!(fisherSubsample > 0 && fisherSubsample <= 1)) {
            throw new IllegalArgumentException("trpo.fisher-subsample must be in (0, 1], got " + fisherSubsample);
        }
    }

    /** 0.01, 0.1, 15, 1e-10, 0.8, 10, PAPER, 1.0, true (sb3-contrib's defaults, the paper's convention). */
    public static TrpoConfig defaults() {
        return new TrpoConfig(0.01, 0.1, 15, 1e-10, 0.8, 10, KlConvention.PAPER, 1.0, true);
    }

    /** A copy with another convention. */
    public TrpoConfig withConvention(KlConvention c) {
        return new TrpoConfig(maxKl, damping, cgMaxIterations, cgResidualTolerance, lineSearchShrink,
                lineSearchMaxIterations, c, fisherSubsample, normalizeAdvantages);
    }
}
