package dev.trpo.policy;

import java.util.random.RandomGenerator;

/**
 * The TRPO objective around theta_old for one batch: the surrogate L(theta) = mean(A * exp(logp_theta(a|s) -
 * logp_behaviour)) and its gradient, the mean KL between pi_old and pi_theta in both directions, and the exact
 * Fisher-vector product F v = Hessian of mean KL(pi_old || pi_theta) at theta_old times v.
 *
 * <p>The Fisher-vector product is analytic, F v = J^T M J v / m: a Jacobian-vector product through the network
 * (forward-mode, reusing the activations cached at theta_old), the Fisher of the output distribution M (categorical:
 * diag(p) - p p^T on the logits; Gaussian: 1/sigma^2 on the mean and 2 on each log-std), and one backward pass.
 * With a sub-sampling fraction below 1 it runs on a random subset of m samples fixed at {@link #load}.
 *
 * <p>The parameter vector is the actor's: the MLP, then for a Gaussian head the log-std vector (clamped to
 * [-20, 2] where used). All buffers are preallocated for {@code maxBatch}; not thread-safe.
 */
public final class PolicyObjective {
    /**
     * Widest output for which F v uses cached sensitivities: they cost one backward pass per output at load and
     * outputs x hidden width doubles per sample, and save two dense products per layer on every F v.
     */
    private static final int MAX_SENSITIVITY_OUTPUTS = 8;

    private final Mlp net;
    private final boolean discrete;
    /** logits per sample (discrete) or action dimension (Gaussian). */
    private final int outDim;
    private final int actionDim;
    private final int mlpCount;
    private final int parameterCount;
    private final int maxBatch;

    private final double[] thetaOld;
    private final double[] obs;
    private final double[] actions;
    private final double[] behaviourLogp;
    private final double[] advantages;
    /** categorical: log-probabilities of every class at theta_old [n * outDim]; Gaussian: means [n * outDim]. */
    private final double[] oldDist;
    private final double[] oldLogStd;
    private final double[] logStdSlope;
    private final double[] newLogStd;
    private final double[] rowScratch;
    private final Mlp.Buffers oldBuf;
    private final Mlp.Buffers evalBuf;
    private final Mlp.Buffers fisherSubBuf;
    private final double[] fisherObs;
    private final double[] fisherDist;
    private final int[] permutation;
    /**
     * Whether F v goes through cached output sensitivities ({@link Mlp#prepareSensitivities}): half the dense
     * products per F v, for a narrow output (a few logits or action dimensions).
     */
    private final boolean useSensitivities;

    // F v in two halves of the Fisher rows (with sensitivities): the first half reads the rows in place, the second
    // has its own copy, activations and gradient; the halves are summed first then second.
    private final BatchHalves fisherHalves;
    private final Mlp.Buffers secondBuf;
    private final double[] secondObs;
    private final double[] secondGrad;
    private final double[] secondScratch;
    /** Gaussian head: 1 / (m sigma_k^2), the output Fisher's diagonal over the sample count. */
    private final double[] outputFisherScale;
    private int fisherSplit;
    private double[] fisherV;
    private double[] fisherOut;

    private int n;
    private int fisherN;
    private Mlp.Buffers fisherBuf;
    private double[] fisherInput;
    private double[] fisherOldDist;
    private double surrogateOld;
    private double entropyOld;
    private boolean loaded;

    /**
     * @param net      the actor's network (output = logits, or the Gaussian mean)
     * @param space    the action space (decides the head)
     * @param maxBatch largest batch {@link #load} takes
     */
    public PolicyObjective(Mlp net, ActionSpace space, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        this.net = net;
        this.maxBatch = maxBatch;
        this.mlpCount = net.parameterCount();
        if (space instanceof ActionSpace.Discrete d) {
            if (net.outputSize() != d.n()) {
                throw new IllegalArgumentException("actor output size " + net.outputSize()
                        + " must equal the number of actions " + d.n());
            }
            this.discrete = true;
            this.outDim = d.n();
            this.actionDim = 1;
            this.parameterCount = mlpCount;
        } else {
            int d = space.actionDim();
            if (net.outputSize() != d) {
                throw new IllegalArgumentException("actor output size " + net.outputSize()
                        + " must equal the action dimension " + d);
            }
            this.discrete = false;
            this.outDim = d;
            this.actionDim = d;
            this.parameterCount = mlpCount + d;
        }
        int in = net.inputSize();
        thetaOld = new double[parameterCount];
        obs = new double[maxBatch * in];
        actions = new double[maxBatch * actionDim];
        behaviourLogp = new double[maxBatch];
        advantages = new double[maxBatch];
        oldDist = new double[maxBatch * outDim];
        oldLogStd = new double[discrete ? 0 : outDim];
        logStdSlope = new double[discrete ? 0 : outDim];
        newLogStd = new double[discrete ? 0 : outDim];
        rowScratch = new double[outDim];
        oldBuf = net.buffers(maxBatch);
        evalBuf = net.buffers(maxBatch);
        fisherSubBuf = net.buffers(maxBatch);
        fisherObs = new double[maxBatch * in];
        fisherDist = new double[maxBatch * outDim];
        permutation = new int[maxBatch];
        useSensitivities = outDim <= MAX_SENSITIVITY_OUTPUTS;
        int secondRows = maxBatch - BatchHalves.split(maxBatch);
        secondBuf = net.buffers(Math.max(1, secondRows));
        secondObs = new double[Math.max(1, secondRows) * in];
        secondGrad = new double[mlpCount];
        secondScratch = new double[outDim];
        outputFisherScale = new double[outDim];
        fisherHalves = new BatchHalves(() -> fisherHalf(0), () -> fisherHalf(1));
    }

    /** Length of the parameter vector (MLP, then the log-std for a Gaussian head). */
    public int parameterCount() {
        return parameterCount;
    }

    /** The largest batch. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Samples loaded. */
    public int size() {
        return n;
    }

    /** Samples the Fisher-vector product uses. */
    public int fisherSize() {
        return fisherN;
    }

    /** L(theta_old), known after {@link #load}. */
    public double surrogateOld() {
        return surrogateOld;
    }

    /** Mean entropy of pi_old over the batch. */
    public double entropyOld() {
        return entropyOld;
    }

    /**
     * Fixes theta_old and the batch (arrays copied; none modified) and caches pi_old.
     *
     * @param theta          theta_old [parameterCount]
     * @param obs            [n * inputSize] observations as the network sees them (already normalised)
     * @param actions        [n * actionDim]
     * @param behaviourLogp  [n]
     * @param advantages     [n] (normalise before, if wanted)
     * @param n              1..maxBatch
     * @param fisherFraction fraction of samples for the Fisher-vector product, in (0, 1]
     * @param rng            chooses the Fisher subset when the fraction is below 1 (unused otherwise)
     */
    public void load(double[] theta, double[] obs, double[] actions, double[] behaviourLogp, double[] advantages,
                     int n, double fisherFraction, RandomGenerator rng) {
        if (n < 1 || n > maxBatch) {
            throw new IllegalArgumentException("batch size must be in [1, " + maxBatch + "], got " + n);
        }
        if (theta.length != parameterCount) {
            throw new IllegalArgumentException("theta length " + theta.length + " must equal parameterCount "
                    + parameterCount);
        }
        if (!(fisherFraction > 0 && fisherFraction <= 1)) {
            throw new IllegalArgumentException("fisherFraction must be in (0, 1], got " + fisherFraction);
        }
        int in = net.inputSize();
        this.n = n;
        System.arraycopy(theta, 0, thetaOld, 0, parameterCount);
        System.arraycopy(obs, 0, this.obs, 0, n * in);
        System.arraycopy(actions, 0, this.actions, 0, n * actionDim);
        System.arraycopy(behaviourLogp, 0, this.behaviourLogp, 0, n);
        System.arraycopy(advantages, 0, this.advantages, 0, n);
        if (!discrete) {
            for (int k = 0; k < outDim; k++) {
                double raw = thetaOld[mlpCount + k];
                oldLogStd[k] = DiagonalGaussian.clampLogStd(raw);
                logStdSlope[k] = DiagonalGaussian.clampSlope(raw);
            }
        } else {
            for (int i = 0; i < n; i++) {
                Categorical.index(actions[i], outDim);
            }
        }
        net.forward(thetaOld, 0, this.obs, n, oldBuf);
        cacheDistribution(net.output(oldBuf), n, oldDist);
        double sur = 0;
        double ent = 0;
        for (int i = 0; i < n; i++) {
            double lp = logProb(oldDist, oldLogStd, i);
            sur += this.advantages[i] * Math.exp(lp - this.behaviourLogp[i]);
            if (discrete) {
                ent += Categorical.entropy(oldDist, i * outDim, outDim);
            }
        }
        surrogateOld = sur / n;
        entropyOld = discrete ? ent / n : DiagonalGaussian.entropy(oldLogStd, outDim);

        int m = (int) Math.round(fisherFraction * n);
        m = Math.max(1, Math.min(n, m));
        if (m == n) {
            fisherN = n;
            fisherBuf = oldBuf;
            fisherInput = this.obs;
            fisherOldDist = oldDist;
        } else {
            for (int i = 0; i < n; i++) {
                permutation[i] = i;
            }
            for (int i = 0; i < m; i++) { // partial Fisher-Yates: the first m entries are a uniform subset
                int j = i + rng.nextInt(n - i);
                int t = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = t;
            }
            for (int i = 0; i < m; i++) {
                System.arraycopy(this.obs, permutation[i] * in, fisherObs, i * in, in);
                System.arraycopy(oldDist, permutation[i] * outDim, fisherDist, i * outDim, outDim);
            }
            fisherN = m;
            fisherBuf = fisherSubBuf;
            fisherInput = fisherObs;
            fisherOldDist = fisherDist;
            net.forward(thetaOld, 0, fisherObs, m, fisherSubBuf);
        }
        if (useSensitivities) {
            int h = BatchHalves.split(fisherN);
            fisherSplit = h;
            net.prepareSensitivities(thetaOld, 0, h, fisherBuf);
            if (fisherN > h) {
                System.arraycopy(fisherInput, h * in, secondObs, 0, (fisherN - h) * in);
                net.forward(thetaOld, 0, secondObs, fisherN - h, secondBuf);
                net.prepareSensitivities(thetaOld, 0, fisherN - h, secondBuf);
            }
        }
        loaded = true;
    }

    /** Categorical: log-softmax rows; Gaussian: the means. */
    private void cacheDistribution(double[] out, int rows, double[] dist) {
        if (discrete) {
            for (int i = 0; i < rows; i++) {
                Categorical.logSoftmax(out, i * outDim, outDim, dist, i * outDim);
            }
        } else {
            System.arraycopy(out, 0, dist, 0, rows * outDim);
        }
    }

    private double logProb(double[] dist, double[] logStd, int i) {
        if (discrete) {
            return dist[i * outDim + (int) actions[i]];
        }
        return DiagonalGaussian.logProb(actions, i * actionDim, dist, i * outDim, logStd, outDim);
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException("PolicyObjective.load must be called first");
        }
    }

    /**
     * The surrogate's gradient at theta_old. Modified: gOut [parameterCount].
     *
     * @return L(theta_old)
     */
    public double surrogateGradient(double[] gOut) {
        requireLoaded();
        java.util.Arrays.fill(gOut, 0, parameterCount, 0.0);
        double[] dOut = net.outputGradient(oldBuf);
        double invN = 1.0 / n;
        for (int i = 0; i < n; i++) {
            double lp = logProb(oldDist, oldLogStd, i);
            double c = advantages[i] * Math.exp(lp - behaviourLogp[i]) * invN;
            int o = i * outDim;
            if (discrete) {
                int a = (int) actions[i];
                for (int k = 0; k < outDim; k++) {
                    dOut[o + k] = -c * Math.exp(oldDist[o + k]);
                }
                dOut[o + a] += c;
            } else {
                int ao = i * actionDim;
                for (int k = 0; k < outDim; k++) {
                    double std = Math.exp(oldLogStd[k]);
                    double var = std * std;
                    double diff = actions[ao + k] - oldDist[o + k];
                    dOut[o + k] = c * diff / var;
                    gOut[mlpCount + k] += c * (diff * diff / var - 1.0) * logStdSlope[k];
                }
            }
        }
        net.backward(thetaOld, 0, obs, n, oldBuf, gOut, 0);
        return surrogateOld;
    }

    /**
     * The undamped Fisher-vector product F v at theta_old (on the Fisher subset). Not modified: v. Modified: out.
     * Both have length {@link #parameterCount()} and must not alias.
     */
    public void fisherVectorProduct(double[] v, double[] out) {
        requireLoaded();
        if (v == out) {
            throw new IllegalArgumentException("fisherVectorProduct: v must not alias out");
        }
        final int m = fisherN;
        java.util.Arrays.fill(out, 0, parameterCount, 0.0);
        double invM = 1.0 / m;
        if (!discrete) {
            for (int k = 0; k < outDim; k++) {
                double std = Math.exp(oldLogStd[k]);
                outputFisherScale[k] = invM / (std * std);
            }
            for (int k = 0; k < outDim; k++) {
                double s = logStdSlope[k];
                out[mlpCount + k] = 2.0 * s * s * v[mlpCount + k];
            }
        }
        if (useSensitivities) {
            fisherV = v;
            fisherOut = out;
            java.util.Arrays.fill(secondGrad, 0.0);
            fisherHalves.run(m);
            fisherV = null;
            fisherOut = null;
            for (int i = 0; i < mlpCount; i++) {
                out[i] += secondGrad[i];
            }
        } else {
            net.jvp(thetaOld, 0, fisherInput, m, v, 0, fisherBuf);
            multiplyByOutputFisher(net.outputTangent(fisherBuf), fisherOldDist, 0, m, invM, rowScratch,
                    net.outputGradient(fisherBuf));
            net.backward(thetaOld, 0, fisherInput, m, fisherBuf, out, 0);
        }
    }

    /** J^T M J v over one half of the Fisher rows, added into the half's own gradient. */
    private void fisherHalf(int half) {
        int h = fisherSplit;
        int rows = half == 0 ? h : fisherN - h;
        if (rows == 0) {
            return;
        }
        Mlp.Buffers buf = half == 0 ? fisherBuf : secondBuf;
        double[] input = half == 0 ? fisherInput : secondObs;
        net.jvpBySensitivities(thetaOld, 0, input, rows, fisherV, 0, buf);
        multiplyByOutputFisher(net.outputTangent(buf), fisherOldDist, half == 0 ? 0 : h * outDim, rows,
                1.0 / fisherN, half == 0 ? rowScratch : secondScratch, net.outputGradient(buf));
        net.vjpBySensitivities(input, rows, buf, half == 0 ? fisherOut : secondGrad, 0);
    }

    /**
     * u = M t / m row by row, M the Fisher of the output distribution at pi_old (categorical: diag(p) - p p^T on the
     * logits; Gaussian: diag(1 / sigma^2) on the mean). Not modified: t, dist. Modified: scratch, u.
     */
    private void multiplyByOutputFisher(double[] t, double[] dist, int distOff, int rows, double invM,
                                        double[] scratch, double[] u) {
        if (discrete) {
            for (int i = 0; i < rows; i++) {
                int o = i * outDim;
                double pt = 0;
                for (int k = 0; k < outDim; k++) {
                    double p = Math.exp(dist[distOff + o + k]);
                    scratch[k] = p;
                    pt += p * t[o + k];
                }
                for (int k = 0; k < outDim; k++) {
                    u[o + k] = scratch[k] * (t[o + k] - pt) * invM;
                }
            }
        } else {
            for (int i = 0; i < rows; i++) {
                int o = i * outDim;
                for (int k = 0; k < outDim; k++) {
                    u[o + k] = t[o + k] * outputFisherScale[k];
                }
            }
        }
    }

    /**
     * The surrogate and both mean KLs at {@code theta} over the whole batch.
     *
     * @param theta candidate parameters, not modified
     */
    public Evaluation evaluate(double[] theta) {
        requireLoaded();
        net.forward(theta, 0, obs, n, evalBuf);
        double[] out = net.output(evalBuf);
        double sur = 0;
        double klOn = 0;
        double klNo = 0;
        if (discrete) {
            for (int i = 0; i < n; i++) {
                int o = i * outDim;
                Categorical.logSoftmax(out, o, outDim, rowScratch, 0);
                double lp = rowScratch[(int) actions[i]];
                sur += advantages[i] * Math.exp(lp - behaviourLogp[i]);
                klOn += Categorical.kl(oldDist, o, rowScratch, 0, outDim);
                klNo += Categorical.kl(rowScratch, 0, oldDist, o, outDim);
            }
        } else {
            for (int k = 0; k < outDim; k++) {
                newLogStd[k] = DiagonalGaussian.clampLogStd(theta[mlpCount + k]);
            }
            for (int i = 0; i < n; i++) {
                int o = i * outDim;
                double lp = DiagonalGaussian.logProb(actions, i * actionDim, out, o, newLogStd, outDim);
                sur += advantages[i] * Math.exp(lp - behaviourLogp[i]);
                klOn += DiagonalGaussian.kl(oldDist, o, oldLogStd, out, o, newLogStd, outDim);
                klNo += DiagonalGaussian.kl(out, o, newLogStd, oldDist, o, oldLogStd, outDim);
            }
        }
        return new Evaluation(sur / n, klOn / n, klNo / n);
    }

    /**
     * The objective at one parameter vector.
     *
     * @param surrogate L(theta)
     * @param klOldNew  mean KL(pi_old || pi_theta)
     * @param klNewOld  mean KL(pi_theta || pi_old)
     */
    public record Evaluation(double surrogate, double klOldNew, double klNewOld) {
    }
}
