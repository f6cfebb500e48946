package dev.trpo.app.train;

/**
 * One row of the learning curve, taken when a policy version is published.
 *
 * @param step              environment steps trained on so far
 * @param wallSeconds       seconds since the run started
 * @param policyVersion     the version just published
 * @param episodes          episodes finished by {@code step} (abandoned ones aside)
 * @param meanReturn10      mean training return of the last 10 of them (NaN before the first)
 * @param meanReturn100     mean training return of the last 100 of them (NaN before the first)
 * @param kl                KL reached by the update that produced this version
 * @param entropy           policy entropy before that update
 * @param explainedVariance of the critic before that update
 * @param evalMean          mean return of this version's deterministic evaluation, NaN when it was not evaluated
 */
public record CurvePoint(long step, double wallSeconds, long policyVersion, long episodes, double meanReturn10,
                         double meanReturn100, double kl, double entropy, double explainedVariance, double evalMean) {
    static final String CSV_HEADER = "step,wall_seconds,policy_version,episodes,mean_return_10,mean_return_100,kl,entropy,explained_variance,eval_mean";

    /** This point with the evaluation's mean return. */
    CurvePoint withEval(double mean) {
        return new CurvePoint(step, wallSeconds, policyVersion, episodes, meanReturn10, meanReturn100, kl, entropy,
                explainedVariance, mean);
    }

    /** This point with the episode figures as of its step. */
    CurvePoint withEpisodes(EpisodeLedger.Window w) {
        return new CurvePoint(step, wallSeconds, policyVersion, w.episodes(), w.mean10(), w.mean100(), kl, entropy,
                explainedVariance, evalMean);
    }

    String csv() {
        return step + "," + fmt(wallSeconds) + "," + policyVersion + "," + episodes + "," + fmt(meanReturn10) + ","
                + fmt(meanReturn100) + "," + fmt(kl) + "," + fmt(entropy) + "," + fmt(explainedVariance) + "," + fmt(evalMean);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(java.util.Locale.ROOT, "%.6g", v);
    }
}
