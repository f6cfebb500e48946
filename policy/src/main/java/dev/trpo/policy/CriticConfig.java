package dev.trpo.policy;

/**
 * Hyper-parameters of the critic's regression: minibatch Adam (beta1 0.9, beta2 0.999) on the mean squared error.
 *
 * @param learningRate  Adam step size, &gt; 0 (default 1e-3)
 * @param eps           Adam denominator epsilon, &gt; 0 (default 1e-5, sb3-contrib's TRPO critic optimiser)
 * @param epochs        passes over the batch per update, &gt;= 0 (default 10; 0 = do not fit)
 * @param minibatchSize samples per Adam step, &gt;= 1 (default 128; the last minibatch of an epoch may be smaller)
 * @param normalizeTargets fit the critic in units of the batch's value targets, PopArt-style (default false): the
 *                      output layer is rescaled to predict (V - mean) / std of this batch's targets, fitted, and
 *                      rescaled back, so the stored critic stays in raw units while Adam's steps scale with the
 *                      returns (the role VecNormalize's reward normalisation plays in the Zoo)
 */
public record CriticConfig(double learningRate, double eps, int epochs, int minibatchSize, boolean normalizeTargets) {

    /** Without target normalisation. */
    public CriticConfig(double learningRate, double eps, int epochs, int minibatchSize) {
        this(learningRate, eps, epochs, minibatchSize, false);
    }

    /** Validates every field. */
    public CriticConfig {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("critic.learning-rate must be in (0, inf), got " + learningRate);
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("critic.eps must be in (0, inf), got " + eps);
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("critic.epochs must be >= 0, got " + epochs);
        }
        if (minibatchSize < 1) {
            throw new IllegalArgumentException("critic.minibatch-size must be >= 1, got " + minibatchSize);
        }
    }

    /** 1e-3, 1e-5, 10, 128 (sb3-contrib's TRPO defaults). */
    public static CriticConfig defaults() {
        return new CriticConfig(1e-3, 1e-5, 10, 128);
    }
}
