package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Surrogate gradient, KLs and the exact Fisher-vector product of both heads, against finite differences. */
class PolicyObjectiveTest {
    /** Central differences with h = 1e-5 in double: truncation ~h^2, rounding ~1e-16/h; relative to the scale. */
    private static final double FD_STEP = 1e-5;
    private static final double FD_TOL = 1e-7;
    /** Two exact computations in different summation orders. */
    private static final double EXACT_TOL = 1e-12;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(4, new int[] {8}, 2, true, Activation.TANH, 17),
                Arguments.of(3, new int[] {16, 12}, 5, true, Activation.TANH, 23),
                Arguments.of(6, new int[] {10, 9}, 3, true, Activation.RELU, 11),
                Arguments.of(2, new int[] {}, 3, true, Activation.IDENTITY, 9),
                Arguments.of(3, new int[] {8}, 1, false, Activation.TANH, 19),
                Arguments.of(5, new int[] {12, 10}, 3, false, Activation.TANH, 21),
                Arguments.of(4, new int[] {9, 9}, 2, false, Activation.RELU, 13));
    }

    private static double scale(double[] a) {
        double m = 1e-3;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void surrogateGradientMatchesCentralDifferences(int obs, int[] hidden, int out, boolean discrete,
                                                    Activation act, int n) {
        Problems.Problem p = Problems.random(obs, hidden, out, discrete, act, n, 42 + n);
        PolicyObjective obj = p.loaded();
        double[] g = new double[obj.parameterCount()];

        double sur = obj.surrogateGradient(g);

        assertEquals(p.ref().surrogate(p.theta(), p.data()), sur, EXACT_TOL);
        double s = scale(g);
        for (int j = 0; j < g.length; j++) {
            double[] plus = p.theta().clone();
            double[] minus = p.theta().clone();
            plus[j] += FD_STEP;
            minus[j] -= FD_STEP;
            double fd = (obj.evaluate(plus).surrogate() - obj.evaluate(minus).surrogate()) / (2 * FD_STEP);
            assertEquals(fd, g[j], FD_TOL * s, "dL/dtheta[" + j + "]");
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void klValuesMatchTheReference(int obs, int[] hidden, int out, boolean discrete, Activation act, int n) {
        Problems.Problem p = Problems.random(obs, hidden, out, discrete, act, n, 7 + n);
        PolicyObjective obj = p.loaded();
        SplittableRandom rng = new SplittableRandom(3);
        double[] theta = p.theta().clone();
        for (int i = 0; i < theta.length; i++) {
            theta[i] += 0.05 * rng.nextGaussian();
        }

        PolicyObjective.Evaluation e = obj.evaluate(theta);

        assertEquals(p.ref().meanKl(p.theta(), theta, p.data()), e.klOldNew(), EXACT_TOL);
        assertEquals(p.ref().meanKl(theta, p.theta(), p.data()), e.klNewOld(), EXACT_TOL);
        assertEquals(p.ref().surrogate(theta, p.data()), e.surrogate(), EXACT_TOL);
        PolicyObjective.Evaluation atOld = obj.evaluate(p.theta());
        assertEquals(0.0, atOld.klOldNew(), 1e-15);
        assertEquals(0.0, atOld.klNewOld(), 1e-15);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void fisherVectorProductMatchesCentralDifferencesOfTheKlGradient(int obs, int[] hidden, int out,
                                                                     boolean discrete, Activation act, int n) {
        Problems.Problem p = Problems.random(obs, hidden, out, discrete, act, n, 99 + n);
        PolicyObjective obj = p.loaded();
        SplittableRandom rng = new SplittableRandom(5);
        double[] v = new double[obj.parameterCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        double[] fv = new double[v.length];

        obj.fisherVectorProduct(v, fv);

        double[] plus = p.theta().clone();
        double[] minus = p.theta().clone();
        for (int i = 0; i < v.length; i++) {
            plus[i] += FD_STEP * v[i];
            minus[i] -= FD_STEP * v[i];
        }
        double[] gp = p.ref().klGradient(p.theta(), plus, p.data());
        double[] gm = p.ref().klGradient(p.theta(), minus, p.data());
        double[] exact = p.ref().fisherVectorProduct(p.theta(), v, p.data());
        double s = scale(fv);
        for (int j = 0; j < v.length; j++) {
            double fd = (gp[j] - gm[j]) / (2 * FD_STEP);
            assertEquals(fd, fv[j], FD_TOL * s, "Fv[" + j + "] vs finite differences");
            assertEquals(exact[j], fv[j], EXACT_TOL * s, "Fv[" + j + "] vs dense J^T M J");
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void fisherIsSymmetricAndPositiveSemidefinite(int obs, int[] hidden, int out, boolean discrete,
                                                  Activation act, int n) {
        Problems.Problem p = Problems.random(obs, hidden, out, discrete, act, n, 5 + n);
        PolicyObjective obj = p.loaded();
        SplittableRandom rng = new SplittableRandom(8);
        double[] v = new double[obj.parameterCount()];
        double[] w = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
            w[i] = rng.nextGaussian();
        }
        double[] fv = new double[v.length];
        double[] fw = new double[v.length];

        obj.fisherVectorProduct(v, fv);
        obj.fisherVectorProduct(w, fw);

        double wFv = 0;
        double vFw = 0;
        double vFv = 0;
        for (int i = 0; i < v.length; i++) {
            wFv += w[i] * fv[i];
            vFw += v[i] * fw[i];
            vFv += v[i] * fv[i];
        }
        assertEquals(wFv, vFw, 1e-12 * Math.max(1, Math.abs(wFv)));
        assertTrue(vFv >= 0, "v^T F v = " + vFv);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void fisherSubsamplingUsesTheRequestedFraction(int obs, int[] hidden, int out, boolean discrete,
                                                   Activation act, int n) {
        Problems.Problem p = Problems.random(obs, hidden, out, discrete, act, n, 1 + n);
        PolicyObjective obj = new PolicyObjective(p.net(), p.space(), n);

        obj.load(p.theta(), ReferencePolicy.flat(p.data().obs()), ReferencePolicy.flat(p.data().actions()),
                p.data().behaviourLogp(), p.data().adv(), n, 0.5, new SplittableRandom(1));

        assertEquals(Math.max(1, Math.round(0.5 * n)), obj.fisherSize());
        double[] v = new double[obj.parameterCount()];
        java.util.Arrays.fill(v, 0.1);
        double[] fv = new double[v.length];
        obj.fisherVectorProduct(v, fv);
        for (double x : fv) {
            assertTrue(Double.isFinite(x));
        }
    }
}
