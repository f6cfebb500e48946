package dev.trpo.policy;

/**
 * Generalised advantage estimation GAE(gamma, lambda) over a run of n consecutive steps of ONE actor, possibly
 * spanning episode boundaries.
 *
 * <ul>
 *   <li>{@code nextValues[i] = V(obs_{i+1})}: the value of the observation after step i. At a truncation (time
 *   limit) this is V of the final observation, so the return is bootstrapped; it is ignored when
 *   {@code terminated[i]} (a terminal state is worth 0).</li>
 *   <li>{@code episodeEnds[i] = terminated[i] || truncated[i]}: the advantage recursion does not cross it.</li>
 *   <li>{@code delta_i = r_i + gamma * (terminated_i ? 0 : nextValues_i) - values_i}</li>
 *   <li>{@code A_i = delta_i + gamma * lambda * (episodeEnds_i || i == n-1 ? 0 : A_{i+1})}</li>
 *   <li>{@code returns_i = A_i + values_i}</li>
 * </ul>
 * Worked example (gamma = lambda = 1, values 0): rewards [1, 1, 1], no ends -> advantages [3, 2, 1] at the end of a
 * run (whose last step bootstraps with nextValues[2]; here 0).
 */
public final class Gae {
    private Gae() {
    }

    /**
     * Computes advantages and returns. Inputs are not modified; outputs may not alias inputs.
     *
     * @param n             number of steps (arrays hold at least n values)
     * @param rewards       r_i
     * @param values        V(obs_i)
     * @param nextValues    V(obs_{i+1})
     * @param terminated    true when step i ended the episode in a terminal state
     * @param episodeEnds   true when step i ended the episode (terminated or truncated)
     * @param gamma         discount in [0, 1]
     * @param lambda        GAE lambda in [0, 1]
     * @param advantagesOut modified: A_i
     * @param returnsOut    modified: A_i + V(obs_i)
     */
    public static void compute(int n, double[] rewards, double[] values, double[] nextValues,
                               boolean[] terminated, boolean[] episodeEnds, double gamma, double lambda,
                               double[] advantagesOut, double[] returnsOut) {
        if (!(gamma >= 0 && gamma <= 1)) {
            throw new IllegalArgumentException("gamma must be in [0, 1], got " + gamma);
        }
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
        }
        if (n < 0 || rewards.length < n || values.length < n || nextValues.length < n || terminated.length < n
                || episodeEnds.length < n || advantagesOut.length < n || returnsOut.length < n) {
            throw new IllegalArgumentException("GAE arrays must hold n = " + n + " values");
        }
        double next = 0;
        for (int i = n - 1; i >= 0; i--) {
            double bootstrap = terminated[i] ? 0.0 : nextValues[i];
            double delta = rewards[i] + gamma * bootstrap - values[i];
            double carry = (episodeEnds[i] || i == n - 1) ? 0.0 : next;
            double a = delta + gamma * lambda * carry;
            advantagesOut[i] = a;
            returnsOut[i] = a + values[i];
            next = a;
        }
    }

    /**
     * Normalises {@code x[0..n)} in place to zero mean and unit unbiased standard deviation:
     * (x - mean) / (std + 1e-8). A batch of one is left unchanged (its std is undefined).
     */
    public static void normalize(double[] x, int n) {
        if (n < 2) {
            return;
        }
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += x[i];
        }
        mean /= n;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            ss += d * d;
        }
        double std = Math.sqrt(ss / (n - 1));
        double denom = std + 1e-8;
        for (int i = 0; i < n; i++) {
            x[i] = (x[i] - mean) / denom;
        }
    }
}
