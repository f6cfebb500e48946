package dev.trpo.policy;

/**
 * Kernels of the diagonal Gaussian policy head: a state-dependent mean and a state-independent log-std vector.
 * The log-std parameter is clamped to [{@link #LOG_STD_MIN}, {@link #LOG_STD_MAX}] wherever it is used (its gradient
 * is zero outside that range), which keeps the variance finite and positive whatever the optimiser does.
 * Log-probabilities are summed over action dimensions.
 */
final class DiagonalGaussian {
    /** Lower clamp of the log-std parameter. */
    static final double LOG_STD_MIN = -20.0;
    /** Upper clamp of the log-std parameter. */
    static final double LOG_STD_MAX = 2.0;
    static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
    static final double LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

    private DiagonalGaussian() {
    }

    /** The clamped log-std. */
    static double clampLogStd(double raw) {
        return Math.max(LOG_STD_MIN, Math.min(LOG_STD_MAX, raw));
    }

    /** 1 when the raw log-std is inside the clamp (the derivative of the clamp), else 0. */
    static double clampSlope(double raw) {
        return raw >= LOG_STD_MIN && raw <= LOG_STD_MAX ? 1.0 : 0.0;
    }

    /** sum_k log N(a_k; mu_k, exp(logStd_k)). */
    static double logProb(double[] a, int ao, double[] mu, int mo, double[] logStd, int d) {
        double s = 0;
        // the same operations as torch.distributions.Normal.log_prob
        for (int k = 0; k < d; k++) {
            double ls = logStd[k];
            double std = Math.exp(ls);
            double diff = a[ao + k] - mu[mo + k];
            s += -(diff * diff) / (2 * (std * std)) - ls - LOG_SQRT_2PI;
        }
        return s;
    }

    /** Entropy sum_k (0.5 + 0.5 log 2 pi + logStd_k). */
    static double entropy(double[] logStd, int d) {
        double h = 0;
        for (int k = 0; k < d; k++) {
            h += 0.5 + 0.5 * Math.log(2 * Math.PI) + logStd[k];
        }
        return h;
    }

    /** KL(p || q) = sum_k [ls_q - ls_p + (var_p + (mu_p - mu_q)^2) / (2 var_q) - 1/2]. */
    static double kl(double[] muP, int po, double[] lsP, double[] muQ, int qo, double[] lsQ, int d) {
        double s = 0;
        // the same operations as torch.distributions.kl._kl_normal_normal
        for (int k = 0; k < d; k++) {
            double sp = Math.exp(lsP[k]);
            double sq = Math.exp(lsQ[k]);
            double r = sp / sq;
            double varRatio = r * r;
            double t = (muP[po + k] - muQ[qo + k]) / sq;
            s += 0.5 * (varRatio + t * t - 1 - Math.log(varRatio));
        }
        return s;
    }
}
