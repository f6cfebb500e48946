package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** CG on known systems. */
class ConjugateGradientTest {
    private static ConjugateGradient.Operator dense(double[][] a) {
        return (x, out) -> {
            for (int i = 0; i < a.length; i++) {
                double s = 0;
                for (int j = 0; j < a.length; j++) {
                    s += a[i][j] * x[j];
                }
                out[i] = s;
            }
        };
    }

    @Test
    void solvesRandomSymmetricPositiveDefiniteSystems() {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom rng = new SplittableRandom(seed);
            int n = 5 + rng.nextInt(30);
            double[][] b = new double[n][n];
            for (double[] row : b) {
                for (int j = 0; j < n; j++) {
                    row[j] = rng.nextGaussian();
                }
            }
            double[][] a = new double[n][n]; // B^T B + I
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double s = i == j ? 1 : 0;
                    for (int k = 0; k < n; k++) {
                        s += b[k][i] * b[k][j];
                    }
                    a[i][j] = s;
                }
            }
            double[] xTrue = new double[n];
            for (int i = 0; i < n; i++) {
                xTrue[i] = rng.nextGaussian();
            }
            double[] rhs = new double[n];
            dense(a).apply(xTrue, rhs);
            double[] x = new double[n];

            ConjugateGradient.Result r = new ConjugateGradient(n).solve(dense(a), rhs, x, 10 * n, 1e-24);

            assertFalse(r.curvatureFailure());
            for (int i = 0; i < n; i++) {
                assertEquals(xTrue[i], x[i], 1e-8, "seed " + seed + " x[" + i + "]");
            }
        }
    }

    @Test
    void solvesAnIllConditionedHilbertSystemToARelativeResidual() {
        int n = 8; // condition number ~1.5e10
        double[][] h = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                h[i][j] = 1.0 / (i + j + 1);
            }
        }
        double[] rhs = new double[n];
        java.util.Arrays.fill(rhs, 1.0);
        double[] x = new double[n];

        new ConjugateGradient(n).solve(dense(h), rhs, x, 200, 1e-26);

        double[] hx = new double[n];
        dense(h).apply(x, hx);
        double res = 0;
        for (int i = 0; i < n; i++) {
            res += (hx[i] - rhs[i]) * (hx[i] - rhs[i]);
        }
        assertTrue(Math.sqrt(res) / Math.sqrt(n) < 1e-6, "relative residual " + Math.sqrt(res / n));
    }

    @Test
    void stopsAtTheIterationLimitAndReportsTheResidual() {
        double[][] a = {{4, 1, 0}, {1, 3, 1}, {0, 1, 2}};
        double[] x = new double[3];

        ConjugateGradient.Result r = new ConjugateGradient(3).solve(dense(a), new double[] {1, 2, 3}, x, 1, 0);

        assertEquals(1, r.iterations());
        assertTrue(r.residualSquared() > 0);
    }

    @Test
    void reportsNonPositiveCurvatureInsteadOfStepping() {
        double[][] a = {{1, 0}, {0, -1}};
        double[] x = new double[2];

        ConjugateGradient.Result r = new ConjugateGradient(2).solve(dense(a), new double[] {0, 1}, x, 5, 1e-12);

        assertTrue(r.curvatureFailure());
    }

    @Test
    void nanCurvatureIsAFailure() {
        double[] x = new double[2];

        ConjugateGradient.Result r = new ConjugateGradient(2).solve((v, out) -> java.util.Arrays.fill(out, Double.NaN),
                new double[] {1, 1}, x, 5, 1e-12);

        assertTrue(r.curvatureFailure());
    }
}
