package dev.trpo.policy;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The whole policy: an observation normaliser, an actor MLP with a categorical or diagonal-Gaussian head, and a
 * separate critic MLP (output 1). Shapes are immutable; the flat parameter arrays are live and mutable.
 *
 * <p>Actor layout: the MLP (see {@link Mlp}), then for a {@link ActionSpace.Box} the state-independent log-std
 * vector (actionDim values) LAST; the log-std is clamped to [-20, 2] wherever it is used. Not thread-safe for
 * parameter updates; {@link #act} may run concurrently on distinct {@link Workspace}s while nobody writes.
 */
public final class ActorCritic {
    private static final double HIDDEN_GAIN = Math.sqrt(2);
    private static final double POLICY_GAIN = 0.01;
    private static final double VALUE_GAIN = 1.0;

    private final int obsDim;
    private final ActionSpace space;
    private final Activation activation;
    private final Mlp actorNet;
    private final Mlp criticNet;
    private final double[] actorParams;
    private final double[] criticParams;
    private final ObservationNormalizer normalizer;

    private ActorCritic(int obsDim, ActionSpace space, Mlp actorNet, Mlp criticNet, double[] actorParams,
                        double[] criticParams, ObservationNormalizer normalizer) {
        this.obsDim = obsDim;
        this.space = space;
        this.activation = actorNet.activation();
        this.actorNet = actorNet;
        this.criticNet = criticNet;
        this.actorParams = actorParams;
        this.criticParams = criticParams;
        this.normalizer = normalizer;
    }

    private static Mlp actorNet(int obsDim, ActionSpace space, int[] hidden, Activation act) {
        int out = space instanceof ActionSpace.Discrete d ? d.n() : space.actionDim();
        return new Mlp(obsDim, hidden, out, act);
    }

    private static int actorCount(Mlp net, ActionSpace space) {
        return net.parameterCount() + (space instanceof ActionSpace.Box ? space.actionDim() : 0);
    }

    /**
     * A freshly initialised policy: orthogonal weights (gain sqrt(2) hidden, 0.01 policy head, 1 value head), zero
     * biases, log-std = {@code logStdInit}, actor and critic with the same hidden sizes.
     *
     * @param obsDim       observation width, &gt;= 1
     * @param space        the action space
     * @param hidden       hidden widths of both networks (e.g. {64, 64})
     * @param act          hidden activation
     * @param logStdInit   initial log-std of a Gaussian head (ignored for discrete)
     * @param normalizeObs whether the normaliser is enabled (clip 10, as VecNormalize)
     * @param seed         seeds the initialisation
     */
    public static ActorCritic create(int obsDim, ActionSpace space, int[] hidden, Activation act,
                                     double logStdInit, boolean normalizeObs, long seed) {
        if (space == null) {
            throw new IllegalArgumentException("action space must not be null");
        }
        Mlp a = actorNet(obsDim, space, hidden, act);
        Mlp c = new Mlp(obsDim, hidden, 1, act);
        double[] ap = new double[actorCount(a, space)];
        double[] cp = new double[c.parameterCount()];
        RandomGenerator rng = new SplittableRandom(seed);
        a.initOrthogonal(ap, 0, HIDDEN_GAIN, POLICY_GAIN, rng);
        c.initOrthogonal(cp, 0, HIDDEN_GAIN, VALUE_GAIN, rng);
        for (int k = a.parameterCount(); k < ap.length; k++) {
            ap[k] = logStdInit;
        }
        ObservationNormalizer norm = normalizeObs ? new ObservationNormalizer(obsDim, 10.0)
                : ObservationNormalizer.disabled(obsDim);
        return new ActorCritic(obsDim, space, a, c, ap, cp, norm);
    }

    /**
     * A policy from saved parts (arrays copied; the normaliser is used as given).
     *
     * @throws IllegalArgumentException naming the expected and actual lengths when a parameter vector does not fit
     */
    public static ActorCritic fromParts(int obsDim, ActionSpace space, int[] actorHidden, int[] criticHidden,
                                        Activation act, double[] actorParams, double[] criticParams,
                                        ObservationNormalizer normalizer) {
        if (space == null) {
            throw new IllegalArgumentException("action space must not be null");
        }
        Mlp a = actorNet(obsDim, space, actorHidden, act);
        Mlp c = new Mlp(obsDim, criticHidden, 1, act);
        if (actorParams.length != actorCount(a, space)) {
            throw new IllegalArgumentException("actor parameters: expected " + actorCount(a, space) + " values, got "
                    + actorParams.length);
        }
        if (criticParams.length != c.parameterCount()) {
            throw new IllegalArgumentException("critic parameters: expected " + c.parameterCount() + " values, got "
                    + criticParams.length);
        }
        if (normalizer == null) {
            normalizer = ObservationNormalizer.disabled(obsDim);
        }
        if (normalizer.size() != obsDim) {
            throw new IllegalArgumentException("normalizer size " + normalizer.size() + " must equal obsDim " + obsDim);
        }
        return new ActorCritic(obsDim, space, a, c, actorParams.clone(), criticParams.clone(), normalizer);
    }

    /** Observation width. */
    public int obsDim() {
        return obsDim;
    }

    /** The action space. */
    public ActionSpace actionSpace() {
        return space;
    }

    /** Doubles per action (1 for discrete). */
    public int actionDim() {
        return space.actionDim();
    }

    /** The actor's hidden widths (a copy). */
    public int[] actorHidden() {
        return actorNet.hiddenSizes();
    }

    /** The critic's hidden widths (a copy). */
    public int[] criticHidden() {
        return criticNet.hiddenSizes();
    }

    /** Hidden activation of both networks. */
    public Activation activation() {
        return activation;
    }

    /** The actor's network (its output: logits or Gaussian mean). */
    public Mlp actorNet() {
        return actorNet;
    }

    /** The critic's network (output 1). */
    public Mlp criticNet() {
        return criticNet;
    }

    /** The live flat actor parameters (log-std last for a Box). */
    public double[] actorParameters() {
        return actorParams;
    }

    /** The live flat critic parameters. */
    public double[] criticParameters() {
        return criticParams;
    }

    /** The live observation normaliser. */
    public ObservationNormalizer normalizer() {
        return normalizer;
    }

    /**
     * Multiplies the critic's output by {@code factor} (its last layer's weights and bias), so V keeps its meaning when
     * the unit of the rewards changes by that factor. Not public: a critic that goes on training needs its optimiser's
     * moments converted too ({@link #scaleValues(double, AdamState)}).
     */
    void scaleValues(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("value scale factor must be positive and finite, got " + factor);
        }
        criticNet.rescaleOutput(criticParams, 0, factor, 0);
    }

    /**
     * {@link #scaleValues(double)}, and the critic's Adam moments converted to the new units. In the new units the
     * squared error is factor^2 times larger, so the gradient of a hidden layer scales by factor^2 and that of the
     * (already rescaled) output layer by factor. Without this, a fall of the reward scale by 25 (MountainCar's first
     * update) leaves Adam's second moments of the hidden layers 25^4 times too large, and the critic barely moves
     * for tens of updates while they decay.
     *
     * @param criticOptimiser the critic's Adam state, modified
     */
    public void scaleValues(double factor, AdamState criticOptimiser) {
        if (criticOptimiser.size() != criticParams.length) {
            throw new IllegalArgumentException("AdamState size " + criticOptimiser.size()
                    + " must equal the critic parameter count " + criticParams.length);
        }
        scaleValues(factor);
        int out = criticNet.outputLayerOffset();
        criticOptimiser.rescale(0, out, factor * factor);
        criticOptimiser.rescale(out, criticParams.length, factor);
    }

    /** A deep copy (parameters and normaliser copied). */
    public ActorCritic copy() {
        return new ActorCritic(obsDim, space, actorNet, criticNet, actorParams.clone(), criticParams.clone(),
                normalizer.copy());
    }

    /** A reusable per-thread scratch space for batches of up to maxBatch rows. */
    public Workspace workspace(int maxBatch) {
        return new Workspace(this, maxBatch);
    }

    private void checkWorkspace(Workspace ws, int batch) {
        if (!ws.actorNet.equals(actorNet) || !ws.criticNet.equals(criticNet)) {
            throw new IllegalArgumentException("workspace was made for another policy shape");
        }
        if (batch < 1 || batch > ws.maxBatch) {
            throw new IllegalArgumentException("batch must be in [1, " + ws.maxBatch + "], got " + batch);
        }
    }

    /**
     * Acts on a batch.
     *
     * @param rawObs        [batch * obsDim] raw observations (normalised here with {@link #normalizer()})
     * @param batch         rows
     * @param rng           sampling source (unused when deterministic)
     * @param deterministic argmax / mean instead of a sample
     * @param actionsOut    modified: [batch * actionDim]; discrete: the index as a double; continuous: the UNCLIPPED
     *                      sample
     * @param logpOut       modified: [batch] log-probability of that action
     * @param valuesOut     modified: [batch] V(obs); may be null to skip the critic
     * @param ws            scratch from {@link #workspace(int)}
     */
    public void act(double[] rawObs, int batch, RandomGenerator rng, boolean deterministic,
                    double[] actionsOut, double[] logpOut, double[] valuesOut, Workspace ws) {
        checkWorkspace(ws, batch);
        normalizer.normalize(rawObs, batch, ws.obs);
        actorNet.forward(actorParams, 0, ws.obs, batch, ws.actor);
        double[] out = actorNet.output(ws.actor);
        if (space instanceof ActionSpace.Discrete d) {
            int n = d.n();
            for (int i = 0; i < batch; i++) {
                Categorical.logSoftmax(out, i * n, n, ws.logp, 0);
                int a = deterministic ? Categorical.argmax(out, i * n, n) : Categorical.sample(ws.logp, 0, n, rng);
                actionsOut[i] = a;
                logpOut[i] = ws.logp[a];
            }
        } else {
            int d = space.actionDim();
            int mlp = actorNet.parameterCount();
            double[] logStd = ws.logp;
            for (int k = 0; k < d; k++) {
                logStd[k] = DiagonalGaussian.clampLogStd(actorParams[mlp + k]);
            }
            for (int i = 0; i < batch; i++) {
                int o = i * d;
                for (int k = 0; k < d; k++) {
                    double mu = out[o + k];
                    actionsOut[o + k] = deterministic ? mu : mu + Math.exp(logStd[k]) * rng.nextGaussian();
                }
                logpOut[i] = DiagonalGaussian.logProb(actionsOut, o, out, o, logStd, d);
            }
        }
        if (valuesOut != null) {
            criticNet.forward(criticParams, 0, ws.obs, batch, ws.critic);
            System.arraycopy(criticNet.output(ws.critic), 0, valuesOut, 0, batch);
        }
    }

    /** V(obs) for a batch of raw observations. Modified: valuesOut [batch], ws. */
    public void values(double[] rawObs, int batch, double[] valuesOut, Workspace ws) {
        checkWorkspace(ws, batch);
        normalizer.normalize(rawObs, batch, ws.obs);
        criticNet.forward(criticParams, 0, ws.obs, batch, ws.critic);
        System.arraycopy(criticNet.output(ws.critic), 0, valuesOut, 0, batch);
    }
}
