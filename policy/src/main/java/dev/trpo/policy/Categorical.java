package dev.trpo.policy;

import java.util.random.RandomGenerator;

/**
 * Kernels of the categorical policy head over one row of logits ({@code n} values at offset {@code o}).
 * Log-probabilities are log_softmax(logits), computed with the max subtracted for stability.
 */
final class Categorical {
    private Categorical() {
    }

    /** log(sum exp(z)) of one row. */
    static double logSumExp(double[] z, int o, int n) {
        double m = z[o];
        for (int k = 1; k < n; k++) {
            m = Math.max(m, z[o + k]);
        }
        double s = 0;
        for (int k = 0; k < n; k++) {
            s += Math.exp(z[o + k] - m);
        }
        return m + Math.log(s);
    }

    /** Writes log_softmax of one row into {@code out} at {@code oo}. Modified: out. */
    static void logSoftmax(double[] z, int o, int n, double[] out, int oo) {
        double lse = logSumExp(z, o, n);
        for (int k = 0; k < n; k++) {
            out[oo + k] = z[o + k] - lse;
        }
    }

    /** Entropy -sum p log p from one row of log-probabilities. */
    static double entropy(double[] logp, int o, int n) {
        double h = 0;
        for (int k = 0; k < n; k++) {
            double lp = logp[o + k];
            h -= Math.exp(lp) * lp;
        }
        return h;
    }

    /** KL(p || q) = sum p (log p - log q) from rows of log-probabilities. */
    static double kl(double[] logp, int po, double[] logq, int qo, int n) {
        double d = 0;
        for (int k = 0; k < n; k++) {
            double lp = logp[po + k];
            d += Math.exp(lp) * (lp - logq[qo + k]);
        }
        return d;
    }

    /** Index of the largest logit (the first on ties). */
    static int argmax(double[] z, int o, int n) {
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (z[o + k] > z[o + best]) {
                best = k;
            }
        }
        return best;
    }

    /** Draws an index from one row of log-probabilities by inverting the cumulative distribution. */
    static int sample(double[] logp, int o, int n, RandomGenerator rng) {
        double u = rng.nextDouble();
        double c = 0;
        for (int k = 0; k < n - 1; k++) {
            c += Math.exp(logp[o + k]);
            if (u < c) {
                return k;
            }
        }
        return n - 1;
    }

    /** Validates an action value as an index in [0, n). */
    static int index(double action, int n) {
        int a = (int) action;
        if (a != action || a < 0 || a >= n) {
            throw new IllegalArgumentException("discrete action must be an integer in [0, " + n + "), got " + action);
        }
        return a;
    }
}
