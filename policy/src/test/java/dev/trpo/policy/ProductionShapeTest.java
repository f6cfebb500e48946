package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernels at the sizes training uses (two hidden layers of 64, batches of 512 to 2048 rows), against the
 * per-sample reference. The other tests use batches of at most 23 rows, below the size at which the batch is split
 * between two threads ({@link BatchHalves}) and at which the blocked matrix kernels run whole tiles.
 */
class ProductionShapeTest {
    private static final double TOL = 1e-11;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(4, 2, true, 1024),   // CartPole
                Arguments.of(6, 3, true, 2048),   // Acrobot
                Arguments.of(2, 3, true, 2048),   // MountainCar
                Arguments.of(3, 1, false, 2048),  // Pendulum
                Arguments.of(2, 1, false, 513));  // an odd batch: the halves differ in size
    }

    private static double scale(double[] a) {
        double m = 1e-6;
        for (double x : a) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    /** d(mean_i A_i ratio_i)/dtheta, per sample from the reference's backprop. */
    private static double[] referenceSurrogateGradient(ReferencePolicy ref, double[] theta,
                                                       ReferencePolicy.Data d) {
        int out = ref.outDim;
        double[] g = new double[ref.paramCount];
        for (int i = 0; i < d.n(); i++) {
            double[] x = d.obs()[i];
            double[] a = d.actions()[i];
            double ratio = Math.exp(ref.logProb(theta, x, a) - d.behaviourLogp()[i]);
            double w = d.adv()[i] * ratio / d.n();
            double[] o = ref.output(theta, x);
            double[] dOut = new double[out];
            if (ref.discrete) {
                double[] lp = ref.logSoftmax(o);
                for (int k = 0; k < out; k++) {
                    dOut[k] = w * ((k == (int) a[0] ? 1 : 0) - Math.exp(lp[k]));
                }
            } else {
                for (int k = 0; k < out; k++) {
                    double var = Math.exp(2 * ref.logStd(theta, k));
                    double diff = a[k] - o[k];
                    dOut[k] = w * diff / var;
                    g[ref.mlpCount + k] += w * (diff * diff / var - 1);
                }
            }
            double[] gi = ref.backprop(theta, x, dOut);
            for (int j = 0; j < ref.mlpCount; j++) {
                g[j] += gi[j];
            }
        }
        return g;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void surrogateGradientKlAndFisherMatchThePerSampleReference(int obs, int out, boolean discrete, int n) {
        Problems.Problem p = Problems.random(obs, new int[] {64, 64}, out, discrete, Activation.TANH, n, 11 + n);
        PolicyObjective obj = p.loaded();
        double[] g = new double[obj.parameterCount()];

        double sur = obj.surrogateGradient(g);

        assertEquals(p.ref().surrogate(p.theta(), p.data()), sur, TOL);
        double[] refG = referenceSurrogateGradient(p.ref(), p.theta(), p.data());
        double s = scale(refG);
        for (int j = 0; j < g.length; j++) {
            assertEquals(refG[j], g[j], TOL * s, "dL/dtheta[" + j + "]");
        }

        SplittableRandom rng = new SplittableRandom(n);
        double[] v = new double[g.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        double[] fv = new double[v.length];
        obj.fisherVectorProduct(v, fv);
        double[] refFv = p.ref().fisherVectorProduct(p.theta(), v, p.data());
        double sf = scale(refFv);
        for (int j = 0; j < v.length; j++) {
            assertEquals(refFv[j], fv[j], TOL * sf, "Fv[" + j + "]");
        }

        double[] theta = p.theta().clone();
        for (int i = 0; i < theta.length; i++) {
            theta[i] += 0.02 * rng.nextGaussian();
        }
        PolicyObjective.Evaluation e = obj.evaluate(theta);
        assertEquals(p.ref().meanKl(p.theta(), theta, p.data()), e.klOldNew(), TOL);
        assertEquals(p.ref().meanKl(theta, p.theta(), p.data()), e.klNewOld(), TOL);
        assertEquals(p.ref().surrogate(theta, p.data()), e.surrogate(), TOL);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void criticForwardAndBackwardMatchThePerSampleReference(int obs, int out, boolean discrete, int n) {
        Mlp net = new Mlp(obs, new int[] {64, 64}, 1, Activation.TANH);
        ReferencePolicy ref = new ReferencePolicy(net.layerSizes(), Activation.TANH, true);
        SplittableRandom rng = new SplittableRandom(3 + n);
        double[] theta = new double[net.parameterCount()];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = 0.3 * rng.nextGaussian();
        }
        double[] x = new double[n * obs];
        double[] c = new double[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            c[i] = rng.nextGaussian();
        }
        Mlp.Buffers buf = net.buffers(n);
        net.forward(theta, 0, x, n, buf);
        double[] y = net.output(buf).clone();
        System.arraycopy(c, 0, net.outputGradient(buf), 0, n);
        double[] grad = new double[net.parameterCount()];
        net.backward(theta, 0, x, n, buf, grad, 0);

        double[] refGrad = new double[grad.length];
        for (int i = 0; i < n; i++) {
            double[] xi = java.util.Arrays.copyOfRange(x, i * obs, (i + 1) * obs);
            assertEquals(ref.output(theta, xi)[0], y[i], TOL * Math.max(1, Math.abs(y[i])), "V[" + i + "]");
            double[] gi = ref.backprop(theta, xi, new double[] {c[i]});
            for (int j = 0; j < grad.length; j++) {
                refGrad[j] += gi[j];
            }
        }
        double s = scale(refGrad);
        for (int j = 0; j < grad.length; j++) {
            assertEquals(refGrad[j], grad[j], TOL * s, "grad[" + j + "]");
        }
    }

    /**
     * The critic's fit (CartPole's preset: 1024 samples, minibatches of 512, Adam 1e-3 / eps 1e-5) against a plain
     * loop: the same Fisher-Yates shuffles from the same generator, per-sample backprop of the mean squared error,
     * torch's Adam update. Three epochs; the stored Adam state must carry over from one update to the next.
     */
    @org.junit.jupiter.api.Test
    void criticFitMatchesAPlainMinibatchAdamLoop() {
        final int n = 1024;
        final int mb = 512;
        final int epochs = 3;
        ActorCritic ac = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {64, 64}, Activation.TANH, 0,
                false, 5);
        SplittableRandom data = new SplittableRandom(17);
        double[] obs = new double[n * 4];
        double[] actions = new double[n];
        double[] logp = new double[n];
        double[] adv = new double[n];
        double[] targets = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                obs[i * 4 + j] = 0.5 * data.nextGaussian();
            }
            actions[i] = data.nextInt(2);
            logp[i] = Math.log(0.5);
            adv[i] = data.nextGaussian();
            targets[i] = 20 + 10 * data.nextGaussian();
        }
        Batch batch = new Batch(n, obs, actions, logp, adv, targets);
        TrpoConfig trpo = new TrpoConfig(0.01, 1e-3, 15, 1e-10, 0.8, 10, KlConvention.SB3, 1.0, true);
        TrpoUpdater updater = new TrpoUpdater(trpo, new CriticConfig(1e-3, 1e-5, epochs, mb));
        AdamState adam = new AdamState(ac.criticParameters().length);

        double[] w = ac.criticParameters().clone();
        double[] m = new double[w.length];
        double[] v = new double[w.length];
        long[] step = {0};
        int[] order = new int[n];
        ReferencePolicy ref = new ReferencePolicy(ac.criticNet().layerSizes(), Activation.TANH, true);
        for (int update = 0; update < 2; update++) {
            SplittableRandom rng = new SplittableRandom(100 + update);
            updater.update(ac, batch, adam, new SplittableRandom(100 + update));
            for (int i = 0; i < n; i++) {
                order[i] = i; // each fit shuffles from the identity (any start gives a uniform permutation)
            }
            for (int e = 0; e < epochs; e++) {
                for (int i = n - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int start = 0; start < n; start += mb) {
                    double[] grad = new double[w.length];
                    for (int k = start; k < start + mb; k++) {
                        double[] x = java.util.Arrays.copyOfRange(obs, order[k] * 4, order[k] * 4 + 4);
                        double d = 2 * (ref.output(w, x)[0] - targets[order[k]]) / mb;
                        double[] g = ref.backprop(w, x, new double[] {d});
                        for (int q = 0; q < w.length; q++) {
                            grad[q] += g[q];
                        }
                    }
                    step[0]++;
                    double bc1 = 1 - Math.pow(0.9, step[0]);
                    double bc2 = 1 - Math.pow(0.999, step[0]);
                    for (int q = 0; q < w.length; q++) {
                        m[q] = 0.9 * m[q] + 0.1 * grad[q];
                        v[q] = 0.999 * v[q] + 0.001 * grad[q] * grad[q];
                        w[q] -= 1e-3 * (m[q] / bc1) / (Math.sqrt(v[q] / bc2) + 1e-5);
                    }
                }
            }
            for (int q = 0; q < w.length; q++) {
                assertEquals(w[q], ac.criticParameters()[q], 1e-9 * Math.max(1, Math.abs(w[q])),
                        "critic[" + q + "] after update " + (update + 1));
            }
        }
        assertEquals(2L * epochs * (n / mb), adam.step());
    }
}
