package dev.trpo.policy;

/**
 * Conjugate gradient on a matrix-free symmetric positive definite operator, from x0 = 0. Stops after
 * {@code maxIterations} iterations or when the squared residual norm |r|^2 falls below the tolerance (sb3-contrib's
 * rule), and stops early, reporting it, when the curvature p^T A p of a search direction is not positive or not
 * finite. Buffers are preallocated for one dimension; not thread-safe.
 */
public final class ConjugateGradient {

    /** y = A x. Must not keep references to its arguments. */
    @FunctionalInterface
    public interface Operator {
        /** Writes A x into {@code out}. Not modified: x. Modified: out. */
        void apply(double[] x, double[] out);
    }

    /**
     * The outcome of a solve.
     *
     * @param iterations       iterations run (operator applications)
     * @param residualSquared  |b - A x|^2 as tracked by the recursion
     * @param curvatureFailure true when a direction had p^T A p &lt;= 0 or a non-finite value (x is then the last
     *                         good iterate and should not be trusted as a step)
     */
    public record Result(int iterations, double residualSquared, boolean curvatureFailure) {
    }

    private final int n;
    private final double[] r;
    private final double[] p;
    private final double[] ap;

    /** Buffers for systems of dimension {@code n}. */
    public ConjugateGradient(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("CG dimension must be >= 1, got " + n);
        }
        this.n = n;
        this.r = new double[n];
        this.p = new double[n];
        this.ap = new double[n];
    }

    /** The dimension. */
    public int dimension() {
        return n;
    }

    /**
     * Solves A x = b.
     *
     * @param a             the operator (symmetric positive definite)
     * @param b             right-hand side, not modified
     * @param x             modified: the solution (its prior content is ignored; x0 = 0)
     * @param maxIterations at least 1
     * @param tolerance     stop when |r|^2 &lt; tolerance
     */
    public Result solve(Operator a, double[] b, double[] x, int maxIterations, double tolerance) {
        if (b.length < n || x.length < n) {
            throw new IllegalArgumentException("CG vectors must have length " + n + ", got b " + b.length + " and x "
                    + x.length);
        }
        if (x == b) {
            throw new IllegalArgumentException("CG x must not alias b");
        }
        java.util.Arrays.fill(x, 0, n, 0.0);
        System.arraycopy(b, 0, r, 0, n);
        System.arraycopy(b, 0, p, 0, n);
        double rr = dot(r, r);
        if (rr < tolerance) {
            return new Result(0, rr, false);
        }
        if (!Double.isFinite(rr)) {
            return new Result(0, rr, true);
        }
        for (int it = 0; it < maxIterations; it++) {
            a.apply(p, ap);
            double pap = dot(p, ap);
            if (!(pap > 0) || !Double.isFinite(pap)) {
                return new Result(it + 1, rr, true);
            }
            double alpha = rr / pap;
            for (int i = 0; i < n; i++) {
                x[i] += alpha * p[i];
            }
            for (int i = 0; i < n; i++) {
                r[i] -= alpha * ap[i];
            }
            double rrNew = dot(r, r);
            if (rrNew < tolerance || it == maxIterations - 1) {
                return new Result(it + 1, rrNew, false);
            }
            double beta = rrNew / rr;
            rr = rrNew;
            for (int i = 0; i < n; i++) {
                p[i] = r[i] + beta * p[i];
            }
        }
        return new Result(maxIterations, rr, false);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
