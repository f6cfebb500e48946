package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The batch kernels of {@link Mlp} against the per-sample reference and finite differences. */
class MlpTest {
    private static final double EXACT_TOL = 1e-12;
    private static final double FD_STEP = 1e-5;
    private static final double FD_TOL = 1e-7;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(4, new int[] {64, 64}, 1, Activation.TANH),
                Arguments.of(4, new int[] {8}, 2, Activation.TANH),
                Arguments.of(11, new int[] {9, 13}, 10, Activation.RELU),
                Arguments.of(3, new int[] {}, 4, Activation.IDENTITY),
                Arguments.of(2, new int[] {20}, 12, Activation.TANH));
    }

    private static double[] randn(SplittableRandom rng, int n, double s) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = s * rng.nextGaussian();
        }
        return a;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void forwardBackwardAndJvpMatchTheReferenceAndFiniteDifferences(int in, int[] hidden, int out, Activation act) {
        SplittableRandom rng = new SplittableRandom(in * 31L + out);
        Mlp net = new Mlp(in, hidden, out, act);
        ReferencePolicy ref = new ReferencePolicy(net.layerSizes(), act, true);
        int batch = 7;
        double[] theta = randn(rng, net.parameterCount(), 0.4);
        double[] x = randn(rng, batch * in, 1);
        double[] c = randn(rng, batch * out, 1); // loss = sum c * out
        double[] v = randn(rng, net.parameterCount(), 1);
        Mlp.Buffers buf = net.buffers(batch + 3);

        net.forward(theta, 0, x, batch, buf);
        double[] y = net.output(buf).clone();
        System.arraycopy(c, 0, net.outputGradient(buf), 0, batch * out);
        double[] grad = new double[net.parameterCount()];
        net.backward(theta, 0, x, batch, buf, grad, 0);
        net.forward(theta, 0, x, batch, buf);
        net.jvp(theta, 0, x, batch, v, 0, buf);
        double[] tangent = net.outputTangent(buf).clone();

        double[] refGrad = new double[net.parameterCount()];
        for (int s = 0; s < batch; s++) {
            double[] xs = java.util.Arrays.copyOfRange(x, s * in, (s + 1) * in);
            double[] ys = ref.output(theta, xs);
            double[] gs = ref.backprop(theta, xs, java.util.Arrays.copyOfRange(c, s * out, (s + 1) * out));
            for (int k = 0; k < out; k++) {
                assertEquals(ys[k], y[s * out + k], EXACT_TOL, "output");
            }
            for (int j = 0; j < refGrad.length; j++) {
                refGrad[j] += gs[j];
            }
        }
        for (int j = 0; j < refGrad.length; j++) {
            assertEquals(refGrad[j], grad[j], EXACT_TOL * Math.max(1, Math.abs(refGrad[j])), "grad[" + j + "]");
        }
        for (int j = 0; j < refGrad.length; j += Math.max(1, refGrad.length / 60)) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[j] += FD_STEP;
            minus[j] -= FD_STEP;
            double fd = (loss(net, plus, x, batch, c) - loss(net, minus, x, batch, c)) / (2 * FD_STEP);
            assertEquals(fd, grad[j], FD_TOL * Math.max(1, Math.abs(fd)), "grad[" + j + "] vs FD");
        }
        double[] plus = theta.clone();
        double[] minus = theta.clone();
        for (int j = 0; j < theta.length; j++) {
            plus[j] += FD_STEP * v[j];
            minus[j] -= FD_STEP * v[j];
        }
        Mlp.Buffers b2 = net.buffers(batch);
        net.forward(plus, 0, x, batch, b2);
        double[] yp = net.output(b2).clone();
        net.forward(minus, 0, x, batch, b2);
        double[] ym = net.output(b2).clone();
        for (int k = 0; k < batch * out; k++) {
            double fd = (yp[k] - ym[k]) / (2 * FD_STEP);
            assertEquals(fd, tangent[k], FD_TOL * Math.max(1, Math.abs(fd)), "jvp[" + k + "]");
        }
    }

    private static double loss(Mlp net, double[] theta, double[] x, int batch, double[] c) {
        Mlp.Buffers b = net.buffers(batch);
        net.forward(theta, 0, x, batch, b);
        double s = 0;
        double[] y = net.output(b);
        for (int k = 0; k < batch * net.outputSize(); k++) {
            s += c[k] * y[k];
        }
        return s;
    }

    @Test
    void tanhKernelAgreesWithMathTanhEverywhereAndIsOdd() {
        // two ulps of 1: the rational part's bound (5e-16) with the reference's rounding
        final double tanhTol = 5e-16;
        double[] x = new double[4001 + 6];
        for (int i = 0; i <= 4000; i++) {
            x[i] = -12 + 24.0 * i / 4000; // crosses the switch to the exp route at |x| = 5
        }
        double[] special = {0.0, 1e-300, 5.0, 800, -800, Double.NaN};
        System.arraycopy(special, 0, x, 4001, special.length);
        double[] y = x.clone();
        double[] minusY = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            minusY[i] = -x[i];
        }

        Mlp.tanhInPlace(y, y.length, new double[y.length]);
        Mlp.tanhInPlace(minusY, minusY.length, new double[y.length]);

        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(x[i])) {
                assertTrue(Double.isNaN(y[i]), "tanh(NaN)");
            } else {
                assertEquals(Math.tanh(x[i]), y[i], tanhTol, "tanh(" + x[i] + ")");
                assertEquals(-y[i], minusY[i], 0.0, "tanh(-x) = -tanh(x) at " + x[i]);
            }
        }
    }

    @Test
    void parameterCountFollowsTheLayout() {
        Mlp net = new Mlp(4, new int[] {8}, 2, Activation.TANH);

        assertEquals(4 * 8 + 8 + 8 * 2 + 2, net.parameterCount());
        assertEquals(java.util.List.of(4, 8, 2), java.util.Arrays.stream(net.layerSizes()).boxed().toList());
    }

    @Test
    void orthogonalInitialisationHasOrthonormalRowsOrColumnsTimesTheGain() {
        Mlp net = new Mlp(4, new int[] {64, 64}, 2, Activation.TANH);
        double[] p = new double[net.parameterCount()];

        net.initOrthogonal(p, 0, Math.sqrt(2), 0.01, new SplittableRandom(1));

        // layer 1: 64x4 (tall) -> W^T W = 2 I; layer 2: 64x64 -> W W^T = 2 I; head 2x64 (wide) -> W W^T = 1e-4 I
        assertGram(p, 0, 64, 4, 2.0, true);
        assertGram(p, 4 * 64 + 64, 64, 64, 2.0, false);
        assertGram(p, 4 * 64 + 64 + 64 * 64 + 64, 2, 64, 1e-4, false);
        for (int j = 4 * 64; j < 4 * 64 + 64; j++) {
            assertEquals(0.0, p[j], "biases are zero");
        }
        double[] again = new double[p.length];
        net.initOrthogonal(again, 0, Math.sqrt(2), 0.01, new SplittableRandom(1));
        assertTrue(java.util.Arrays.equals(p, again), "same seed, same weights");
    }

    private static void assertGram(double[] p, int off, int rows, int cols, double gain2, boolean columns) {
        int m = columns ? cols : rows;
        for (int a = 0; a < m; a++) {
            for (int b = 0; b < m; b++) {
                double s = 0;
                int len = columns ? rows : cols;
                for (int k = 0; k < len; k++) {
                    double x = columns ? p[off + k * cols + a] : p[off + a * cols + k];
                    double y = columns ? p[off + k * cols + b] : p[off + b * cols + k];
                    s += x * y;
                }
                assertEquals(a == b ? gain2 : 0.0, s, 1e-12, "gram[" + a + "][" + b + "]");
            }
        }
    }

    @Test
    void invalidShapesNameTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Mlp(0, new int[] {4}, 1, Activation.TANH));
        assertTrue(e.getMessage().contains("input size"), e.getMessage());
    }
}
