package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** GAE against hand-worked examples and SB3-style closed forms. */
class GaeTest {
    private static final double TOL = 1e-12;

    @Test
    void handWorkedRunWithATerminationAndATruncation() {
        // steps 0,1 episode 1 ends by termination at 1; steps 2,3 episode 2 truncated at 3 (bootstrap V = 5)
        double[] r = {1, 2, 3, 4};
        double[] v = {0.5, 1.0, 1.5, 2.0};
        double[] next = {1.0, 99, 2.0, 5.0};
        boolean[] term = {false, true, false, false};
        boolean[] ends = {false, true, false, true};
        double g = 0.9;
        double l = 0.5;
        double[] a = new double[4];
        double[] ret = new double[4];

        Gae.compute(4, r, v, next, term, ends, g, l, a, ret);

        double d1 = 2 - 1.0;                 // terminal: no bootstrap
        double d0 = 1 + 0.9 * 1.0 - 0.5;
        double d3 = 4 + 0.9 * 5.0 - 2.0;     // truncated: bootstrap with V(final obs)
        double d2 = 3 + 0.9 * 2.0 - 1.5;
        double[] expected = {d0 + 0.45 * d1, d1, d2 + 0.45 * d3, d3};
        assertArrayEquals(expected, a, TOL);
        for (int i = 0; i < 4; i++) {
            assertEquals(a[i] + v[i], ret[i], TOL);
        }
    }

    @Test
    void theEndOfTheRunBootstrapsWithoutCarry() {
        double[] a = new double[3];
        double[] ret = new double[3];

        Gae.compute(3, new double[] {1, 1, 1}, new double[3], new double[] {0, 0, 10}, new boolean[3], new boolean[3],
                1.0, 1.0, a, ret);

        assertArrayEquals(new double[] {13, 12, 11}, a, TOL);
    }

    @Test
    void lambdaOneGivesDiscountedMonteCarloReturns() {
        int n = 6;
        double gamma = 0.95;
        double[] r = {1, -2, 0.5, 3, 1, 2};
        double[] v = {0.3, 0.1, -0.2, 0.7, 0.4, 0.9};
        double[] next = new double[n];
        System.arraycopy(v, 1, next, 0, n - 1);
        boolean[] term = new boolean[n];
        term[n - 1] = true;
        double[] a = new double[n];
        double[] ret = new double[n];

        Gae.compute(n, r, v, next, term, term.clone(), gamma, 1.0, a, ret);

        double g = 0;
        for (int i = n - 1; i >= 0; i--) {
            g = r[i] + gamma * g;
            assertEquals(g, ret[i], TOL, "return " + i);
        }
    }

    @Test
    void lambdaZeroGivesOneStepTdResiduals() {
        double[] r = {1, 2, 3};
        double[] v = {0.5, 0.25, 0.125};
        double[] next = {0.25, 0.125, 4};
        double[] a = new double[3];
        double[] ret = new double[3];

        Gae.compute(3, r, v, next, new boolean[3], new boolean[3], 0.9, 0.0, a, ret);

        for (int i = 0; i < 3; i++) {
            assertEquals(r[i] + 0.9 * next[i] - v[i], a[i], TOL);
        }
    }

    @Test
    void infiniteHorizonValueGivesZeroAdvantagesUnderTruncation() {
        // SB3's closed form: reward 1 forever, V = 1/(1-gamma) everywhere, truncated episodes bootstrap
        double gamma = 0.98;
        double value = 1 / (1 - gamma);
        int n = 50;
        double[] r = new double[n];
        double[] v = new double[n];
        java.util.Arrays.fill(r, 1);
        java.util.Arrays.fill(v, value);
        boolean[] ends = new boolean[n];
        ends[19] = true;
        ends[n - 1] = true;
        double[] a = new double[n];
        double[] ret = new double[n];

        Gae.compute(n, r, v, v.clone(), new boolean[n], ends, gamma, 0.95, a, ret);

        for (int i = 0; i < n; i++) {
            assertEquals(0.0, a[i], 1e-10);
            assertEquals(value, ret[i], 1e-10);
        }
    }

    @Test
    void advantageNormalisationUsesTheUnbiasedStd() {
        double[] x = {1, 2, 3, 4};
        Gae.normalize(x, 4);
        double std = Math.sqrt(5.0 / 3.0);
        assertArrayEquals(new double[] {-1.5 / (std + 1e-8), -0.5 / (std + 1e-8), 0.5 / (std + 1e-8),
            1.5 / (std + 1e-8)}, x, TOL);
    }

    @Test
    void normalisingOneSampleLeavesItUnchangedNotNaN() {
        double[] x = {3.5};
        Gae.normalize(x, 1);
        assertEquals(3.5, x[0]);
    }
}
