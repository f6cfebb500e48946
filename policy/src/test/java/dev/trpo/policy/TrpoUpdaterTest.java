package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The trust-region step and the whole update. */
class TrpoUpdaterTest {
    /** The Gaussian step against the dense reference: CG amplifies rounding by the condition number. */
    private static final double STEP_TOL = 1e-10;
    private static final double LINE_SEARCH_TOL = 1e-12;

    @ParameterizedTest
    @EnumSource(KlConvention.class)
    void lineSearchNeverLeavesTheTrustRegion(KlConvention convention) {
        for (long seed = 0; seed < 40; seed++) {
            boolean discrete = seed % 2 == 0;
            Problems.Problem p = Problems.random(3, new int[] {10, 7}, discrete ? 3 : 2, discrete, Activation.TANH,
                    30, seed);
            double maxKl = 0.001 + 0.05 * new SplittableRandom(seed).nextDouble();
            TrpoConfig cfg = new TrpoConfig(maxKl, 0.05, 10, 1e-10, 0.5, 15, convention, 1.0, true);
            double[] theta = p.theta().clone();
            PolicyObjective obj = p.loaded();

            PolicyStep step = new TrpoUpdater(cfg, CriticConfig.defaults()).policyStep(obj, theta);

            double klOldNew = p.ref().meanKl(p.theta(), theta, p.data());
            double klNewOld = p.ref().meanKl(theta, p.theta(), p.data());
            if (step.accepted()) {
                if (convention == KlConvention.PAPER) {
                    assertTrue(klOldNew <= maxKl * (1 + 1e-9), "seed " + seed + " KL(old||new) " + klOldNew);
                } else {
                    assertTrue(klNewOld < maxKl * (1 + 1e-9), "seed " + seed + " KL(new||old) " + klNewOld);
                }
                assertTrue(step.surrogateAfter() > step.surrogateBefore());
                assertNull(step.rejectReason());
            } else {
                assertArrayEquals(p.theta(), theta, "rejected step leaves the parameters as they were");
            }
            for (LineSearchTry t : step.tries()) {
                if (t.accepted()) {
                    assertTrue(convention == KlConvention.PAPER ? t.klOldNew() <= maxKl : t.klNewOld() < maxKl);
                }
            }
        }
    }

    @Test
    void aFailedLineSearchRestoresTheParametersAndSaysWhy() {
        Problems.Problem p = Problems.random(3, new int[] {6}, 2, true, Activation.TANH, 20, 3);
        // no candidate can stay within a radius of 1e-300
        TrpoConfig impossible = new TrpoConfig(1e-300, 0.1, 10, 1e-10, 0.8, 3, KlConvention.PAPER, 1.0, true);
        PolicyObjective obj = p.loaded();
        double[] theta = p.theta().clone();
        double[] before = theta.clone();

        PolicyStep step = new TrpoUpdater(impossible, CriticConfig.defaults()).policyStep(obj, theta);

        assertFalse(step.accepted());
        assertEquals(3, step.tries().size());
        assertEquals("line-search-exhausted", step.rejectReason());
        assertArrayEquals(before, theta);
        assertEquals(step.surrogateBefore(), step.surrogateAfter());
    }

    @ParameterizedTest
    @EnumSource(KlConvention.class)
    void gaussianStepMatchesAStraightforwardReference(KlConvention convention) {
        Problems.Problem p = Problems.random(3, new int[] {8}, 1, false, Activation.TANH, 64, 2024);
        double delta = 0.01;
        double damping = 0.1;
        int cgIters = 10;
        TrpoConfig cfg = new TrpoConfig(delta, damping, cgIters, 1e-10, 0.8, 10, convention, 1.0, true);
        double[] theta = p.theta().clone();

        PolicyStep step = new TrpoUpdater(cfg, CriticConfig.defaults()).policyStep(p.loaded(), theta);

        // reference: g by finite-free analytic per-sample formulas, dense-Jacobian F, textbook CG, line search
        ReferencePolicy ref = p.ref();
        int n = ref.paramCount;
        double[] g = referenceSurrogateGradient(p);
        double[] x = new double[n];
        double[] r = g.clone();
        double[] d = g.clone();
        double rr = dot(r, r);
        for (int it = 0; it < cgIters; it++) {
            double[] ad = ref.fisherVectorProduct(p.theta(), d, p.data());
            for (int i = 0; i < n; i++) {
                ad[i] += damping * d[i];
            }
            double alpha = rr / dot(d, ad);
            for (int i = 0; i < n; i++) {
                x[i] += alpha * d[i];
                r[i] -= alpha * ad[i];
            }
            double rrNew = dot(r, r);
            if (rrNew < 1e-10) {
                break;
            }
            for (int i = 0; i < n; i++) {
                d[i] = r[i] + rrNew / rr * d[i];
            }
            rr = rrNew;
        }
        double xFx = dot(x, ref.fisherVectorProduct(p.theta(), x, p.data()));
        double denom = convention == KlConvention.PAPER ? xFx : xFx + damping * dot(x, x);
        double beta = Math.sqrt(2 * delta / denom);
        assertEquals(beta, step.beta(), LINE_SEARCH_TOL * Math.max(1, beta));
        double coef = 1;
        double surOld = ref.surrogate(p.theta(), p.data());
        double[] expectedTheta = p.theta().clone();
        int accepted = -1;
        for (int k = 0; k < 10; k++) {
            double[] cand = p.theta().clone();
            for (int i = 0; i < n; i++) {
                cand[i] += coef * beta * x[i];
            }
            double sur = ref.surrogate(cand, p.data());
            double klOn = ref.meanKl(p.theta(), cand, p.data());
            double klNo = ref.meanKl(cand, p.theta(), p.data());
            LineSearchTry t = step.tries().get(k);
            assertEquals(coef, t.coef(), 1e-15);
            assertEquals(sur, t.surrogate(), LINE_SEARCH_TOL);
            assertEquals(klOn, t.klOldNew(), LINE_SEARCH_TOL);
            assertEquals(klNo, t.klNewOld(), LINE_SEARCH_TOL);
            boolean ok = (convention == KlConvention.PAPER ? klOn <= delta : klNo < delta) && sur > surOld;
            assertEquals(ok, t.accepted());
            if (ok) {
                accepted = k;
                expectedTheta = cand;
                break;
            }
            coef *= 0.8;
        }
        assertEquals(accepted, step.acceptedIteration());
        assertArrayEquals(expectedTheta, theta, STEP_TOL);
    }

    private static double[] referenceSurrogateGradient(Problems.Problem p) {
        ReferencePolicy ref = p.ref();
        ReferencePolicy.Data d = p.data();
        double[] g = new double[ref.paramCount];
        for (int i = 0; i < d.n(); i++) {
            double[] x = d.obs()[i];
            double[] mu = ref.output(p.theta(), x);
            double c = d.adv()[i] * Math.exp(ref.logProb(p.theta(), x, d.actions()[i]) - d.behaviourLogp()[i])
                    / d.n();
            double[] dOut = new double[ref.outDim];
            for (int k = 0; k < ref.outDim; k++) {
                double var = Math.exp(2 * ref.logStd(p.theta(), k));
                double diff = d.actions()[i][k] - mu[k];
                dOut[k] = c * diff / var;
                g[ref.mlpCount + k] += c * (diff * diff / var - 1);
            }
            double[] gi = ref.backprop(p.theta(), x, dOut);
            for (int j = 0; j < ref.mlpCount; j++) {
                g[j] += gi[j];
            }
        }
        return g;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static Batch batchFor(ActorCritic ac, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] obs = new double[n * ac.obsDim()];
        for (int i = 0; i < obs.length; i++) {
            obs[i] = rng.nextGaussian();
        }
        double[] actions = new double[n * ac.actionDim()];
        double[] logp = new double[n];
        double[] values = new double[n];
        Workspace ws = ac.workspace(n);
        ac.act(obs, n, rng, false, actions, logp, values, ws);
        double[] adv = new double[n];
        double[] targets = new double[n];
        for (int i = 0; i < n; i++) {
            adv[i] = rng.nextGaussian() + obs[i * ac.obsDim()];
            targets[i] = 2 * obs[i * ac.obsDim()] + 0.1 * rng.nextGaussian();
        }
        return new Batch(n, obs, actions, logp, adv, targets);
    }

    @ParameterizedTest
    @EnumSource(KlConvention.class)
    void aWholeUpdateFillsEveryStatisticAndFitsTheCritic(KlConvention convention) {
        for (ActionSpace space : new ActionSpace[] {new ActionSpace.Discrete(3),
            new ActionSpace.Box(new double[] {-1, -1}, new double[] {1, 1})}) {
            ActorCritic ac = ActorCritic.create(4, space, new int[] {32, 32}, Activation.TANH, 0.0, false, 7);
            Batch batch = batchFor(ac, 256, 11);
            AdamState adam = new AdamState(ac.criticParameters().length);
            TrpoUpdater updater = new TrpoUpdater(TrpoConfig.defaults().withConvention(convention),
                    new CriticConfig(1e-3, 1e-5, 10, 64));

            UpdateStats s = updater.update(ac, batch, adam, new SplittableRandom(1));

            assertTrue(s.accepted(), s.toString());
            assertTrue(s.klOldNew() > 0 && s.klOldNew() <= 0.01 * (convention == KlConvention.PAPER ? 1 : 1.5));
            assertTrue(s.klNewOld() > 0);
            assertTrue(s.surrogateAfter() > s.surrogateBefore());
            assertTrue(s.cgIterations() >= 1 && s.cgIterations() <= 15);
            assertTrue(s.lineSearchSteps() >= 1);
            assertTrue(s.entropy() > 0 || space instanceof ActionSpace.Box);
            assertTrue(s.valueLossAfter() < s.valueLossBefore(), s.toString());
            assertTrue(Double.isFinite(s.explainedVariance()));
            assertTrue(s.gradNorm() > 0 && s.stepSize() > 0);
            assertEquals(10L * 4, adam.step());
        }
    }

    @Test
    void anUpdateIsReproducibleFromTheSeeds() {
        ActorCritic a = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {16}, Activation.TANH, 0, true, 3);
        ActorCritic b = a.copy();
        Batch batch = batchFor(a, 100, 5);
        TrpoConfig cfg = new TrpoConfig(0.01, 0.1, 15, 1e-10, 0.8, 10, KlConvention.PAPER, 0.5, true);

        new TrpoUpdater(cfg, CriticConfig.defaults()).update(a, batch, new AdamState(a.criticParameters().length),
                new SplittableRandom(9));
        new TrpoUpdater(cfg, CriticConfig.defaults()).update(b, batch, new AdamState(b.criticParameters().length),
                new SplittableRandom(9));

        assertArrayEquals(a.actorParameters(), b.actorParameters());
        assertArrayEquals(a.criticParameters(), b.criticParameters());
    }

    @Test
    void aBatchOfOneDoesNotProduceNaN() {
        ActorCritic ac = ActorCritic.create(2, new ActionSpace.Discrete(2), new int[] {4}, Activation.TANH, 0, false, 1);
        Batch batch = batchFor(ac, 1, 2);

        UpdateStats s = new TrpoUpdater(TrpoConfig.defaults(), CriticConfig.defaults()).update(ac, batch,
                new AdamState(ac.criticParameters().length), new SplittableRandom(1));

        for (double p : ac.actorParameters()) {
            assertTrue(Double.isFinite(p));
        }
        assertTrue(Double.isFinite(s.surrogateBefore()));
    }

    /** Targets of the size of long-horizon returns (-100 and below), where raw-unit Adam steps are too small. */
    private static Batch largeTargetBatch(ActorCritic ac, int n, long seed) {
        Batch b = batchFor(ac, n, seed);
        double[] targets = b.valueTargets().clone();
        for (int i = 0; i < n; i++) {
            targets[i] = -100 + 30 * targets[i];
        }
        return new Batch(n, b.rawObs(), b.actions(), b.behaviourLogp(), b.advantages(), targets);
    }

    @Test
    void fittingInTargetUnitsLeavesTheCriticUnchangedWhenItDoesNotTrain() {
        ActorCritic ac = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {16, 16}, Activation.TANH, 0, false, 3);
        double[] before = ac.criticParameters().clone();
        Batch batch = largeTargetBatch(ac, 128, 5);

        new TrpoUpdater(TrpoConfig.defaults(), new CriticConfig(1e-3, 1e-5, 0, 64, true))
                .update(ac, batch, new AdamState(before.length), new SplittableRandom(1));

        // rescaling to target units and back is exact up to rounding
        assertArrayEquals(before, ac.criticParameters(), 1e-12);
    }

    @Test
    void fittingInTargetUnitsReachesLargeReturnsFasterThanRawUnits() {
        ActorCritic raw = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {16, 16}, Activation.TANH, 0, false, 3);
        ActorCritic scaled = raw.copy();
        Batch batch = largeTargetBatch(raw, 256, 5);

        UpdateStats r = new TrpoUpdater(TrpoConfig.defaults(), new CriticConfig(1e-3, 1e-5, 100, 64, false))
                .update(raw, batch, new AdamState(raw.criticParameters().length), new SplittableRandom(1));
        UpdateStats s = new TrpoUpdater(TrpoConfig.defaults(), new CriticConfig(1e-3, 1e-5, 100, 64, true))
                .update(scaled, batch, new AdamState(scaled.criticParameters().length), new SplittableRandom(1));

        assertEquals(r.valueLossBefore(), s.valueLossBefore(), 1e-9);
        assertTrue(s.valueLossAfter() < 0.5 * r.valueLossAfter(),
                "target units " + s.valueLossAfter() + " vs raw units " + r.valueLossAfter());
    }

    @Test
    void configurationErrorsNameTheKeyAndRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrpoConfig(0.01, 0.1, 15, 1e-10, 1.5, 10, KlConvention.PAPER, 1.0, true));
        assertTrue(e.getMessage().contains("trpo.line-search.shrink") && e.getMessage().contains("(0, 1)"));
        e = assertThrows(IllegalArgumentException.class, () -> new CriticConfig(1e-3, 1e-5, 10, 0));
        assertTrue(e.getMessage().contains("critic.minibatch-size"));
        e = assertThrows(IllegalArgumentException.class,
                () -> new TrpoConfig(0, 0.1, 15, 1e-10, 0.8, 10, KlConvention.PAPER, 1.0, true));
        assertTrue(e.getMessage().contains("trpo.max-kl"));
    }
}
