package dev.trpo.policy;

/**
 * Adam moments of the critic: first moment m, second moment v (one per critic parameter) and the step count.
 * Part of the trainer's resume state. Mutable: {@link TrpoUpdater} advances it in place.
 */
public final class AdamState {
    private final double[] m;
    private final double[] v;
    private long step;

    /** Zero moments for {@code n} parameters. */
    public AdamState(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("AdamState size must be >= 1, got " + n);
        }
        this.m = new double[n];
        this.v = new double[n];
    }

    /** Restores a saved state (arrays copied). */
    public static AdamState of(double[] m, double[] v, long step) {
        if (m.length != v.length) {
            throw new IllegalArgumentException("AdamState m and v must have equal lengths, got " + m.length
                    + " and " + v.length);
        }
        if (step < 0) {
            throw new IllegalArgumentException("AdamState step must be >= 0, got " + step);
        }
        AdamState s = new AdamState(m.length);
        System.arraycopy(m, 0, s.m, 0, m.length);
        System.arraycopy(v, 0, s.v, 0, v.length);
        s.step = step;
        return s;
    }

    /** The live first-moment array. */
    public double[] m() {
        return m;
    }

    /** The live second-moment array. */
    public double[] v() {
        return v;
    }

    /** Adam steps taken so far. */
    public long step() {
        return step;
    }

    /** The number of parameters. */
    public int size() {
        return m.length;
    }

    /** An independent copy. */
    public AdamState copy() {
        return of(m, v, step);
    }

    /**
     * Re-expresses the moments of parameters [from, to) for gradients that are now {@code factor} times what they
     * were: m *= factor, v *= factor^2. Adam's next steps are then those it would take had it seen every earlier
     * gradient in the new units.
     */
    void rescale(int from, int to, double factor) {
        for (int i = from; i < to; i++) {
            m[i] *= factor;
            v[i] *= factor * factor;
        }
    }

    /** Applies one Adam step to {@code params} with gradient {@code grad} (both length {@link #size()}). */
    void apply(double[] params, double[] grad, double lr, double eps) {
        final double b1 = 0.9;
        final double b2 = 0.999;
        step++;
        final double bc1 = 1 - Math.pow(b1, step);
        final double bc2 = 1 - Math.pow(b2, step);
        final double stepSize = lr / bc1;
        final double sqrtBc2 = Math.sqrt(bc2);
        for (int i = 0; i < m.length; i++) {
            double g = grad[i];
            double mi = b1 * m[i] + (1 - b1) * g;
            double vi = b2 * v[i] + (1 - b2) * g * g;
            m[i] = mi;
            v[i] = vi;
            // torch.optim.Adam: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
            params[i] -= stepSize * mi / (Math.sqrt(vi) / sqrtBc2 + eps);
        }
    }
}
