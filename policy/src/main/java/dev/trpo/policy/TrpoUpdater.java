package dev.trpo.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One TRPO update: the trust-region policy step, then the critic's regression. Reads top to bottom in
 * {@link #update}; the policy step is {@link #policyStep}.
 *
 * <p>Policy step: g = grad L at theta_old; x solves (F + damping I) x = g by conjugate gradient; the full step is
 * beta x with beta = sqrt(2 delta / x^T F x) (PAPER) or sqrt(2 delta / x^T (F + damping I) x) (SB3); the backtracking
 * line search tries theta_old + shrink^k beta x for k = 0, 1, ... and accepts the first candidate whose KL is within
 * delta (PAPER: KL(old||new) &lt;= delta; SB3: KL(new||old) &lt; delta) and whose surrogate improved. If CG meets
 * non-positive curvature, or no candidate is accepted, the parameters are left exactly as they were and the reason
 * is reported.
 *
 * <p>Critic: the value MLP is fitted to the value targets by minibatch Adam on the mean squared error, for
 * {@code epochs} passes over the batch shuffled by the caller's generator.
 *
 * <p>Buffers are allocated on the first update and reused while shapes and batch sizes fit; not thread-safe (one
 * updater per trainer thread).
 */
public final class TrpoUpdater {
    private final TrpoConfig trpo;
    private final CriticConfig critic;

    // policy-step state, sized for the actor and the largest batch seen
    private PolicyObjective objective;
    private Mlp objectiveNet;
    private ActionSpace objectiveSpace;
    private ConjugateGradient cg;
    private double[] g;
    private double[] x;
    private double[] fx;
    private double[] thetaOld;
    private double[] normObs;
    private double[] advantages;

    // critic state
    private Mlp criticNet;
    private Mlp.Buffers criticBuf;
    private double[] criticGrad;
    private double[] mbObs;
    private double[] mbTargets;
    private int[] order;
    private double[] scaledTargets;
    /** Below this spread of the targets the fit stays in raw units (standardising would amplify noise). */
    private static final double TARGET_STD_FLOOR = 1e-6;
    // the second half of each minibatch: its own rows, activations and gradient (see BatchHalves)
    private Mlp.Buffers criticBuf2;
    private double[] criticGrad2;
    private double[] mbObs2;
    private final BatchHalves criticHalves = new BatchHalves(() -> criticHalf(0), () -> criticHalf(1));
    private double[] criticWeights;
    private int mbRows;
    private int mbSplit;

    /**
     * @param trpo   policy-step hyper-parameters
     * @param critic critic-fit hyper-parameters
     */
    public TrpoUpdater(TrpoConfig trpo, CriticConfig critic) {
        if (trpo == null || critic == null) {
            throw new IllegalArgumentException("TrpoUpdater needs a TrpoConfig and a CriticConfig");
        }
        this.trpo = trpo;
        this.critic = critic;
    }

    /** The policy-step configuration. */
    public TrpoConfig trpoConfig() {
        return trpo;
    }

    /** The critic configuration. */
    public CriticConfig criticConfig() {
        return critic;
    }

    /**
     * Policy step then critic fit, in place on {@code ac}'s parameters. Does not touch the normaliser.
     *
     * @param ac              the policy; its actor and critic parameters are modified
     * @param batch           the samples (not modified)
     * @param criticOptimiser Adam state of the critic, advanced in place
     * @param rng             drives Fisher sub-sampling and critic minibatch shuffling
     */
    public UpdateStats update(ActorCritic ac, Batch batch, AdamState criticOptimiser, RandomGenerator rng) {
        final int n = batch.size();
        final int obsDim = ac.obsDim();
        if (batch.rawObs().length < n * obsDim) {
            throw new IllegalArgumentException("batch.rawObs holds " + batch.rawObs().length + " values, needs size * obsDim = "
                    + n * obsDim);
        }
        if (batch.actions().length < n * ac.actionDim()) {
            throw new IllegalArgumentException("batch.actions holds " + batch.actions().length
                    + " values, needs size * actionDim = " + n * ac.actionDim());
        }
        if (criticOptimiser.size() != ac.criticParameters().length) {
            throw new IllegalArgumentException("AdamState size " + criticOptimiser.size()
                    + " must equal the critic parameter count " + ac.criticParameters().length);
        }
        ensureCapacity(ac, n);

        ac.normalizer().normalize(batch.rawObs(), n, normObs);
        System.arraycopy(batch.advantages(), 0, advantages, 0, n);
        if (trpo.normalizeAdvantages()) {
            Gae.normalize(advantages, n);
        }

        // 1. the policy step
        objective.load(ac.actorParameters(), normObs, batch.actions(), batch.behaviourLogp(), advantages, n,
                trpo.fisherSubsample(), rng);
        PolicyStep step = policyStep(objective, ac.actorParameters());

        // 2. the critic fit
        double[] w = ac.criticParameters();
        double[] targets = batch.valueTargets();
        double lossBefore = criticLoss(w, normObs, targets, n, true);
        double explained = explainedVariance;
        if (critic.normalizeTargets()) {
            fitCriticInTargetUnits(w, targets, n, criticOptimiser, rng);
        } else {
            fitCritic(w, targets, n, criticOptimiser, rng);
        }
        double lossAfter = critic.epochs() == 0 ? lossBefore : criticLoss(w, normObs, targets, n, false);

        return new UpdateStats(step.klOldNew(), step.klNewOld(), step.surrogateBefore(), step.surrogateAfter(),
                step.tries().size(), step.accepted(), step.rejectReason(), step.cg().iterations(),
                step.cg().residualSquared(), step.entropy(), lossBefore, lossAfter, explained, step.gradNorm(),
                step.stepSize());
    }

    private void ensureCapacity(ActorCritic ac, int n) {
        Mlp actorNet = ac.actorNet();
        boolean sameActor = objective != null && objectiveNet.equals(actorNet) && objectiveSpace.equals(ac.actionSpace());
        if (!sameActor || objective.maxBatch() < n) {
            int cap = Math.max(n, objective == null ? 0 : objective.maxBatch());
            objective = new PolicyObjective(actorNet, ac.actionSpace(), cap);
            objectiveNet = actorNet;
            objectiveSpace = ac.actionSpace();
            normObs = new double[cap * ac.obsDim()];
            advantages = new double[cap];
        }
        if (!ac.criticNet().equals(criticNet) || criticBuf.maxBatch() < Math.max(n, critic.minibatchSize())
                || order.length < n) {
            int cap = Math.max(n, objective.maxBatch());
            criticNet = ac.criticNet();
            criticBuf = criticNet.buffers(cap);
            criticGrad = new double[criticNet.parameterCount()];
            mbObs = new double[cap * ac.obsDim()];
            int second = Math.max(1, cap - BatchHalves.split(cap));
            criticBuf2 = criticNet.buffers(second);
            criticGrad2 = new double[criticNet.parameterCount()];
            mbObs2 = new double[second * ac.obsDim()];
            mbTargets = new double[cap];
            scaledTargets = new double[cap];
            order = new int[cap];
        }
    }

    private double explainedVariance;

    /** Mean squared error of the critic over the batch (and, when asked, explained variance of these values). */
    private double criticLoss(double[] w, double[] obs, double[] targets, int n, boolean recordExplained) {
        criticNet.forward(w, 0, obs, n, criticBuf);
        double[] v = criticNet.output(criticBuf);
        double loss = 0;
        double meanT = 0;
        double meanR = 0;
        for (int i = 0; i < n; i++) {
            double r = targets[i] - v[i];
            loss += r * r;
            meanT += targets[i];
            meanR += r;
        }
        if (recordExplained) {
            meanT /= n;
            meanR /= n;
            double varT = 0;
            double varR = 0;
            for (int i = 0; i < n; i++) {
                double dt = targets[i] - meanT;
                double dr = targets[i] - v[i] - meanR;
                varT += dt * dt;
                varR += dr * dr;
            }
            explainedVariance = varT == 0 ? Double.NaN : 1 - varR / varT;
        }
        return loss / n;
    }

    /**
     * The fit in units of this batch's targets: rescale the output layer to predict (V - mean) / std, fit the
     * standardised targets, rescale back. Both rescalings are exact reparameterisations, so V is unchanged by them.
     */
    private void fitCriticInTargetUnits(double[] w, double[] targets, int n, AdamState adam, RandomGenerator rng) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += targets[i];
        }
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) {
            var += (targets[i] - mean) * (targets[i] - mean);
        }
        double std = Math.sqrt(var / n);
        if (!(std > TARGET_STD_FLOOR)) {
            fitCritic(w, targets, n, adam, rng);
            return;
        }
        for (int i = 0; i < n; i++) {
            scaledTargets[i] = (targets[i] - mean) / std;
        }
        criticNet.rescaleOutput(w, 0, 1 / std, -mean / std);
        fitCritic(w, scaledTargets, n, adam, rng);
        criticNet.rescaleOutput(w, 0, std, mean);
    }

    private void fitCritic(double[] w, double[] targets, int n, AdamState adam, RandomGenerator rng) {
        final int in = criticNet.inputSize();
        final int mb = Math.min(critic.minibatchSize(), n);
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int epoch = 0; epoch < critic.epochs(); epoch++) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int start = 0; start < n; start += mb) {
                int m = Math.min(mb, n - start);
                int h = BatchHalves.split(m);
                for (int k = 0; k < m; k++) {
                    int idx = order[start + k];
                    if (k < h) {
                        System.arraycopy(normObs, idx * in, mbObs, k * in, in);
                    } else {
                        System.arraycopy(normObs, idx * in, mbObs2, (k - h) * in, in);
                    }
                    mbTargets[k] = targets[idx];
                }
                criticWeights = w;
                mbRows = m;
                mbSplit = h;
                java.util.Arrays.fill(criticGrad, 0.0);
                java.util.Arrays.fill(criticGrad2, 0.0);
                criticHalves.run(m);
                for (int i = 0; i < criticGrad.length; i++) {
                    criticGrad[i] += criticGrad2[i];
                }
                adam.apply(w, criticGrad, critic.learningRate(), critic.eps());
            }
        }
        criticWeights = null;
    }

    /** Forward and backward of the squared error over one half of the current minibatch, into its own gradient. */
    private void criticHalf(int half) {
        int first = half == 0 ? 0 : mbSplit;
        int rows = half == 0 ? mbSplit : mbRows - mbSplit;
        if (rows == 0) {
            return;
        }
        Mlp.Buffers buf = half == 0 ? criticBuf : criticBuf2;
        double[] x = half == 0 ? mbObs : mbObs2;
        criticNet.forward(criticWeights, 0, x, rows, buf);
        double[] v = criticNet.output(buf);
        double[] dv = criticNet.outputGradient(buf);
        double scale = 2.0 / mbRows;
        for (int k = 0; k < rows; k++) {
            dv[k] = scale * (v[k] - mbTargets[first + k]);
        }
        criticNet.backward(criticWeights, 0, x, rows, buf, half == 0 ? criticGrad : criticGrad2, 0);
    }

    /**
     * The trust-region step on a loaded objective, in place on {@code theta} (which must equal the objective's
     * theta_old). On rejection {@code theta} is restored exactly.
     *
     * @param objective loaded at theta
     * @param theta     modified: theta_new on acceptance
     */
    public PolicyStep policyStep(PolicyObjective objective, double[] theta) {
        final int p = objective.parameterCount();
        if (theta.length != p) {
            throw new IllegalArgumentException("theta length " + theta.length + " must equal parameterCount " + p);
        }
        if (g == null || g.length != p) {
            g = new double[p];
            x = new double[p];
            fx = new double[p];
            thetaOld = new double[p];
            cg = new ConjugateGradient(p);
        }
        System.arraycopy(theta, 0, thetaOld, 0, p);
        final double delta = trpo.maxKl();
        final double damping = trpo.damping();
        final double surOld = objective.surrogateGradient(g);
        final double entropy = objective.entropyOld();
        final double gNorm = Math.sqrt(ConjugateGradient.dot(g, g));
        if (!Double.isFinite(gNorm) || !Double.isFinite(surOld)) {
            return rejected(surOld, gNorm, new ConjugateGradient.Result(0, Double.NaN, true), Double.NaN, Double.NaN,
                    Double.NaN, List.of(), "non-finite", entropy);
        }
        if (gNorm == 0) {
            return rejected(surOld, gNorm, new ConjugateGradient.Result(0, 0, false), 0, 0, Double.NaN, List.of(),
                    "zero-gradient", entropy);
        }
        ConjugateGradient.Result cgResult = cg.solve((v, out) -> {
            objective.fisherVectorProduct(v, out);
            for (int i = 0; i < p; i++) {
                out[i] += damping * v[i];
            }
        }, g, x, trpo.cgMaxIterations(), trpo.cgResidualTolerance());
        if (cgResult.curvatureFailure()) {
            return rejected(surOld, gNorm, cgResult, Double.NaN, Double.NaN, Double.NaN, List.of(),
                    "non-positive-curvature", entropy);
        }
        objective.fisherVectorProduct(x, fx);
        double xFx = 0;
        double xx = 0;
        for (int i = 0; i < p; i++) {
            xFx += x[i] * fx[i];
            xx += x[i] * x[i];
        }
        double xAx = xFx + damping * xx;
        double denominator = trpo.convention() == KlConvention.PAPER ? xFx : xAx;
        if (!(denominator > 0) || !Double.isFinite(denominator)) {
            return rejected(surOld, gNorm, cgResult, xFx, xAx, Double.NaN, List.of(), "non-positive-curvature",
                    entropy);
        }
        final double beta = Math.sqrt(2 * delta / denominator);

        List<LineSearchTry> tries = new ArrayList<>(trpo.lineSearchMaxIterations());
        double coef = 1.0;
        for (int k = 0; k < trpo.lineSearchMaxIterations(); k++) {
            double s = coef * beta;
            for (int i = 0; i < p; i++) {
                theta[i] = thetaOld[i] + s * x[i];
            }
            PolicyObjective.Evaluation e = objective.evaluate(theta);
            boolean within = trpo.convention() == KlConvention.PAPER ? e.klOldNew() <= delta : e.klNewOld() < delta;
            boolean ok = within && e.surrogate() > surOld;
            tries.add(new LineSearchTry(coef, e.surrogate(), e.klOldNew(), e.klNewOld(), ok));
            if (ok) {
                double stepNorm = 0;
                for (int i = 0; i < p; i++) {
                    double d = theta[i] - thetaOld[i];
                    stepNorm += d * d;
                }
                return new PolicyStep(surOld, gNorm, cgResult, xFx, xAx, beta, Collections.unmodifiableList(tries),
                        k, null, e.surrogate(), e.klOldNew(), e.klNewOld(), Math.sqrt(stepNorm), entropy);
            }
            coef *= trpo.lineSearchShrink();
        }
        System.arraycopy(thetaOld, 0, theta, 0, p);
        return rejected(surOld, gNorm, cgResult, xFx, xAx, beta, Collections.unmodifiableList(tries),
                "line-search-exhausted", entropy);
    }

    private static PolicyStep rejected(double surOld, double gNorm, ConjugateGradient.Result cgResult, double xFx,
                                       double xAx, double beta, List<LineSearchTry> tries, String reason,
                                       double entropy) {
        return new PolicyStep(surOld, gNorm, cgResult, xFx, xAx, beta, tries, -1, reason, surOld, 0, 0, 0, entropy);
    }
}
