package dev.trpo.trainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import dev.trpo.policy.Activation;
import dev.trpo.policy.CriticConfig;
import dev.trpo.policy.KlConvention;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.policy.TrpoConfig;

/**
 * Every hyper-parameter of a training run, validated on construction; errors name the dotted key and the accepted
 * range. Defaults are sb3-contrib 2.3.0's TRPO defaults ({@link #defaults()}); {@link #forEnv} layers the RL
 * Baselines3 Zoo preset of an environment ({@code presets.properties}) and then the user's overrides on top.
 *
 * <p>The dotted keys ({@code trpo.trainer.cg.max-iterations}) are what configuration files, the snapshot's
 * {@code hyperParameters} map and {@link #toMap()} use; the command line uses the same words in kebab case.
 *
 * @param batchSteps              environment steps per update; a batch is whole segments until at least this many, &gt;= 2 (default 2048)
 * @param mode                    sync (on-policy) or async (lag-bounded) (default sync)
 * @param maxPolicyLag            async mode: how many versions old a sample may be, &gt;= 0 (default 1; ignored in sync mode)
 * @param gamma                   discount, in [0, 1]; used by the stream processors' GAE (default 0.99)
 * @param gaeLambda               GAE lambda, in [0, 1]; used by the stream processors (default 0.95)
 * @param maxKl                   trust-region radius delta on the mean KL, in (0, inf) (default 0.01)
 * @param cgDamping               damping added to the Fisher in CG, in [0, inf) (default 0.1)
 * @param cgMaxIterations         conjugate-gradient iterations, &gt;= 1 (default 15)
 * @param cgResidualTolerance     CG stops when |r|^2 falls below this, in [0, inf) (default 1e-10)
 * @param lineSearchShrink        backtracking factor, in (0, 1) (default 0.8)
 * @param lineSearchMaxIterations line-search tries, &gt;= 1 (default 10)
 * @param klConvention            paper or sb3 step scaling and acceptance (default sb3, as sb3-contrib: damped
 *                                step scale, accept when KL(new || old) &lt; max-kl)
 * @param fisherSubsample         fraction of the batch for Fisher-vector products, in (0, 1] (default 1)
 * @param normalizeAdvantages     normalise advantages per batch (default true)
 * @param criticLearningRate      critic Adam step size, in (0, inf) (default 1e-3)
 * @param criticEps               critic Adam epsilon, in (0, inf) (default 1e-5)
 * @param criticEpochs            critic passes over the batch per update, &gt;= 0 (default 10)
 * @param criticMinibatchSize     critic minibatch, &gt;= 1 (default 128)
 * @param hiddenSizes             hidden layer sizes of both the actor and the (separate) critic, each &gt;= 1 (default 64,64)
 * @param activation              hidden-layer activation: tanh, relu or identity (default tanh)
 * @param logStdInit              initial log standard deviation of a continuous policy, in [-20, 2] (default 0)
 * @param normalizeObservations   keep a running observation normaliser in the policy (default false)
 * @param observationClip         clip normalised observations to [-clip, clip]; 0 = no clip, in [0, inf) (default 10)
 * @param criticNormalizeTargets  fit the critic in units of each batch's value targets, PopArt-style (default false;
 *                                an alternative to reward normalisation, in no preset)
 * @param normalizeRewards        scale rewards by a running estimate of the discounted return's standard deviation,
 *                                as the Zoo's VecNormalize(norm_reward) does (default false; on in the presets of the
 *                                Zoo's {@code normalize: true} environments)
 * @param rewardClip              clip normalised rewards to [-clip, clip]; 0 = no clip, in [0, inf) (default 10)
 */
public record Hyperparameters(int batchSteps, TrainerMode mode, int maxPolicyLag, double gamma, double gaeLambda,
                              double maxKl, double cgDamping, int cgMaxIterations, double cgResidualTolerance,
                              double lineSearchShrink, int lineSearchMaxIterations, KlConvention klConvention,
                              double fisherSubsample, boolean normalizeAdvantages, double criticLearningRate,
                              double criticEps, int criticEpochs, int criticMinibatchSize, List<Integer> hiddenSizes,
                              Activation activation, double logStdInit, boolean normalizeObservations,
                              double observationClip, boolean criticNormalizeTargets, boolean normalizeRewards,
                              double rewardClip) {

    /** Every key starts with this. */
    public static final String PREFIX = "trpo.trainer.";
    public static final String BATCH_STEPS = PREFIX + "batch-steps";
    public static final String MODE = PREFIX + "mode";
    public static final String MAX_POLICY_LAG = PREFIX + "max-policy-lag";
    public static final String GAMMA = PREFIX + "gamma";
    public static final String GAE_LAMBDA = PREFIX + "gae-lambda";
    public static final String MAX_KL = PREFIX + "max-kl";
    public static final String CG_DAMPING = PREFIX + "cg.damping";
    public static final String CG_MAX_ITERATIONS = PREFIX + "cg.max-iterations";
    public static final String CG_RESIDUAL_TOLERANCE = PREFIX + "cg.residual-tolerance";
    public static final String LINE_SEARCH_SHRINK = PREFIX + "line-search.shrink";
    public static final String LINE_SEARCH_MAX_ITERATIONS = PREFIX + "line-search.max-iterations";
    public static final String KL_CONVENTION = PREFIX + "kl-convention";
    public static final String FISHER_SUBSAMPLE = PREFIX + "fisher-subsample";
    public static final String NORMALIZE_ADVANTAGES = PREFIX + "normalize-advantages";
    public static final String CRITIC_LEARNING_RATE = PREFIX + "critic.learning-rate";
    public static final String CRITIC_EPS = PREFIX + "critic.eps";
    public static final String CRITIC_EPOCHS = PREFIX + "critic.epochs";
    public static final String CRITIC_MINIBATCH_SIZE = PREFIX + "critic.minibatch-size";
    public static final String HIDDEN_SIZES = PREFIX + "network.hidden-sizes";
    public static final String ACTIVATION = PREFIX + "network.activation";
    public static final String LOG_STD_INIT = PREFIX + "network.log-std-init";
    public static final String NORMALIZE_OBSERVATIONS = PREFIX + "observation-normalizer.enabled";
    public static final String OBSERVATION_CLIP = PREFIX + "observation-normalizer.clip";
    public static final String CRITIC_NORMALIZE_TARGETS = PREFIX + "critic.normalize-targets";
    public static final String NORMALIZE_REWARDS = PREFIX + "reward-normalizer.enabled";
    public static final String REWARD_CLIP = PREFIX + "reward-normalizer.clip";

    /** Every key, in documentation order. */
    public static final List<String> KEYS = List.of(BATCH_STEPS, MODE, MAX_POLICY_LAG, GAMMA, GAE_LAMBDA, MAX_KL,
            CG_DAMPING, CG_MAX_ITERATIONS, CG_RESIDUAL_TOLERANCE, LINE_SEARCH_SHRINK, LINE_SEARCH_MAX_ITERATIONS,
            KL_CONVENTION, FISHER_SUBSAMPLE, NORMALIZE_ADVANTAGES, CRITIC_LEARNING_RATE, CRITIC_EPS, CRITIC_EPOCHS,
            CRITIC_MINIBATCH_SIZE, HIDDEN_SIZES, ACTIVATION, LOG_STD_INIT, NORMALIZE_OBSERVATIONS, OBSERVATION_CLIP,
            CRITIC_NORMALIZE_TARGETS, NORMALIZE_REWARDS, REWARD_CLIP);

    private static final String PRESETS = "presets.properties";

    /** Validates every field; the message names the key and its accepted range. */
    public Hyperparameters {
        atLeast(BATCH_STEPS, batchSteps, 2);
        if (mode == null) {
            throw new IllegalArgumentException(MODE + " must be sync or async, got null");
        }
        atLeast(MAX_POLICY_LAG, maxPolicyLag, 0);
        closed(GAMMA, gamma, 0, 1);
        closed(GAE_LAMBDA, gaeLambda, 0, 1);
        positive(MAX_KL, maxKl);
        nonNegative(CG_DAMPING, cgDamping);
        atLeast(CG_MAX_ITERATIONS, cgMaxIterations, 1);
        nonNegative(CG_RESIDUAL_TOLERANCE, cgResidualTolerance);
        if (!(lineSearchShrink > 0 && lineSearchShrink < 1)) {
            throw new IllegalArgumentException(LINE_SEARCH_SHRINK + " must be in (0, 1), got " + lineSearchShrink);
        }
        atLeast(LINE_SEARCH_MAX_ITERATIONS, lineSearchMaxIterations, 1);
        if (klConvention == null) {
            throw new IllegalArgumentException(KL_CONVENTION + " must be paper or sb3, got null");
        }
        if (!(fisherSubsample > 0 && fisherSubsample <= 1)) {
            throw new IllegalArgumentException(FISHER_SUBSAMPLE + " must be in (0, 1], got " + fisherSubsample);
        }
        positive(CRITIC_LEARNING_RATE, criticLearningRate);
        positive(CRITIC_EPS, criticEps);
        atLeast(CRITIC_EPOCHS, criticEpochs, 0);
        atLeast(CRITIC_MINIBATCH_SIZE, criticMinibatchSize, 1);
        if (hiddenSizes == null || hiddenSizes.isEmpty() || hiddenSizes.stream().anyMatch(h -> h == null || h < 1)) {
            throw new IllegalArgumentException(HIDDEN_SIZES + " must be a non-empty comma-separated list of sizes >= 1, got "
                    + hiddenSizes);
        }
        hiddenSizes = List.copyOf(hiddenSizes);
        if (activation == null) {
            throw new IllegalArgumentException(ACTIVATION + " must be one of tanh, relu, identity, got null");
        }
        closed(LOG_STD_INIT, logStdInit, -20, 2);
        nonNegative(OBSERVATION_CLIP, observationClip);
        nonNegative(REWARD_CLIP, rewardClip);
    }

    /** sb3-contrib 2.3.0's TRPO defaults with separate 64x64 tanh networks, sync mode. */
    public static Hyperparameters defaults() {
        return new Hyperparameters(2048, TrainerMode.SYNC, 1, 0.99, 0.95, 0.01, 0.1, 15, 1e-10, 0.8, 10,
                KlConvention.SB3, 1.0, true, 1e-3, 1e-5, 10, 128, List.of(64, 64), Activation.TANH, 0.0, false, 10.0, false,
                false, 10.0);
    }

    /**
     * The defaults, then the Zoo preset of {@code envId} (none for an unknown environment), then {@code overrides}
     * (dotted keys, e.g. from a {@code --config} file and flags; later wins).
     *
     * @throws IllegalArgumentException for an unknown {@code trpo.trainer.*} key or a value out of range
     */
    public static Hyperparameters forEnv(String envId, Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>(preset(envId));
        merged.putAll(overrides);
        return defaults().with(merged);
    }

    /** The preset of an environment as dotted keys (empty when the Zoo has no TRPO row for it). */
    public static Map<String, String> preset(String envId) {
        Properties all = new Properties();
        try (InputStream in = Hyperparameters.class.getResourceAsStream(PRESETS)) {
            if (in == null) {
                throw new IllegalStateException("resource dev/trpo/trainer/" + PRESETS + " is missing from the jar");
            }
            all.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dev/trpo/trainer/" + PRESETS, e);
        }
        String prefix = envId + ".";
        Map<String, String> out = new TreeMap<>();
        for (String name : all.stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                out.put(name.substring(prefix.length()), all.getProperty(name).strip());
            }
        }
        return out;
    }

    /** The environments with a preset. */
    public static List<String> presetEnvironments() {
        Properties all = new Properties();
        try (InputStream in = Hyperparameters.class.getResourceAsStream(PRESETS)) {
            all.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> envs = new ArrayList<>();
        for (String name : all.stringPropertyNames()) {
            String env = name.substring(0, name.indexOf("." + PREFIX));
            if (!envs.contains(env)) {
                envs.add(env);
            }
        }
        Collections.sort(envs);
        return envs;
    }

    /** The known key within 3 edits of {@code key} ('_' and '-' alike), the nearest first, or null. */
    static String closestKey(String key) {
        String best = null;
        int bestDistance = 4;
        for (String known : KEYS) {
            int d = editDistance(key.replace('_', '-'), known);
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /**
     * A copy with the given dotted keys replaced. Keys outside {@code trpo.trainer.} are ignored (a shared file may
     * hold other components' settings); an unknown key inside it is an error, so a typo does not pass silently.
     */
    public Hyperparameters with(Map<String, String> values) {
        Map<String, String> m = new LinkedHashMap<>(toMap());
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey().strip();
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            if (!KEYS.contains(key)) {
                String near = closestKey(key);
                throw new IllegalArgumentException("unknown hyper-parameter " + key
                        + (near == null ? "" : " (did you mean " + near + "?)") + "; known keys: " + String.join(", ", KEYS));
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException(key + " has no value");
            }
            m.put(key, e.getValue().strip());
        }
        return new Hyperparameters(
                parseInt(m, BATCH_STEPS), TrainerMode.fromWire(m.get(MODE)), parseInt(m, MAX_POLICY_LAG),
                parseDouble(m, GAMMA), parseDouble(m, GAE_LAMBDA), parseDouble(m, MAX_KL), parseDouble(m, CG_DAMPING),
                parseInt(m, CG_MAX_ITERATIONS), parseDouble(m, CG_RESIDUAL_TOLERANCE), parseDouble(m, LINE_SEARCH_SHRINK),
                parseInt(m, LINE_SEARCH_MAX_ITERATIONS), parseConvention(m.get(KL_CONVENTION)),
                parseDouble(m, FISHER_SUBSAMPLE), parseBoolean(m, NORMALIZE_ADVANTAGES),
                parseDouble(m, CRITIC_LEARNING_RATE), parseDouble(m, CRITIC_EPS), parseInt(m, CRITIC_EPOCHS),
                parseInt(m, CRITIC_MINIBATCH_SIZE), parseSizes(m.get(HIDDEN_SIZES)), parseActivation(m.get(ACTIVATION)),
                parseDouble(m, LOG_STD_INIT), parseBoolean(m, NORMALIZE_OBSERVATIONS), parseDouble(m, OBSERVATION_CLIP),
                parseBoolean(m, CRITIC_NORMALIZE_TARGETS), parseBoolean(m, NORMALIZE_REWARDS), parseDouble(m, REWARD_CLIP));
    }

    /** Every key with its value as a string, in {@link #KEYS} order: what the snapshot's map carries. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(BATCH_STEPS, Integer.toString(batchSteps));
        m.put(MODE, mode.wireName());
        m.put(MAX_POLICY_LAG, Integer.toString(maxPolicyLag));
        m.put(GAMMA, Double.toString(gamma));
        m.put(GAE_LAMBDA, Double.toString(gaeLambda));
        m.put(MAX_KL, Double.toString(maxKl));
        m.put(CG_DAMPING, Double.toString(cgDamping));
        m.put(CG_MAX_ITERATIONS, Integer.toString(cgMaxIterations));
        m.put(CG_RESIDUAL_TOLERANCE, Double.toString(cgResidualTolerance));
        m.put(LINE_SEARCH_SHRINK, Double.toString(lineSearchShrink));
        m.put(LINE_SEARCH_MAX_ITERATIONS, Integer.toString(lineSearchMaxIterations));
        m.put(KL_CONVENTION, klConvention.name().toLowerCase(Locale.ROOT));
        m.put(FISHER_SUBSAMPLE, Double.toString(fisherSubsample));
        m.put(NORMALIZE_ADVANTAGES, Boolean.toString(normalizeAdvantages));
        m.put(CRITIC_LEARNING_RATE, Double.toString(criticLearningRate));
        m.put(CRITIC_EPS, Double.toString(criticEps));
        m.put(CRITIC_EPOCHS, Integer.toString(criticEpochs));
        m.put(CRITIC_MINIBATCH_SIZE, Integer.toString(criticMinibatchSize));
        StringBuilder sizes = new StringBuilder();
        for (int h : hiddenSizes) {
            sizes.append(sizes.length() == 0 ? "" : ",").append(h);
        }
        m.put(HIDDEN_SIZES, sizes.toString());
        m.put(ACTIVATION, activation.wireName());
        m.put(LOG_STD_INIT, Double.toString(logStdInit));
        m.put(NORMALIZE_OBSERVATIONS, Boolean.toString(normalizeObservations));
        m.put(OBSERVATION_CLIP, Double.toString(observationClip));
        m.put(CRITIC_NORMALIZE_TARGETS, Boolean.toString(criticNormalizeTargets));
        m.put(NORMALIZE_REWARDS, Boolean.toString(normalizeRewards));
        m.put(REWARD_CLIP, Double.toString(rewardClip));
        return m;
    }

    /** The policy step's configuration. */
    public TrpoConfig trpoConfig() {
        return new TrpoConfig(maxKl, cgDamping, cgMaxIterations, cgResidualTolerance, lineSearchShrink,
                lineSearchMaxIterations, klConvention, fisherSubsample, normalizeAdvantages);
    }

    /** The critic fit's configuration. */
    public CriticConfig criticConfig() {
        return new CriticConfig(criticLearningRate, criticEps, criticEpochs, criticMinibatchSize, criticNormalizeTargets);
    }

    /** A fresh reward normaliser for this run (the identity when reward normalisation is off). */
    public RewardNormalizer rewardNormalizer() {
        return normalizeRewards ? RewardNormalizer.create(gamma, rewardClip) : RewardNormalizer.disabled();
    }

    /** The hidden sizes as an array. */
    public int[] hiddenSizesArray() {
        int[] a = new int[hiddenSizes.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = hiddenSizes.get(i);
        }
        return a;
    }

    private static void atLeast(String key, int v, int min) {
        if (v < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", got " + v);
        }
    }

    private static void closed(String key, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(key + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    private static void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(key + " must be in (0, inf), got " + v);
        }
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(key + " must be in [0, inf), got " + v);
        }
    }

    private static int parseInt(Map<String, String> m, String key) {
        try {
            return Integer.parseInt(m.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got: " + m.get(key));
        }
    }

    private static double parseDouble(Map<String, String> m, String key) {
        try {
            return Double.parseDouble(m.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got: " + m.get(key));
        }
    }

    private static boolean parseBoolean(Map<String, String> m, String key) {
        String v = m.get(key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + " must be true or false, got: " + m.get(key));
        }
        return v.equals("true");
    }

    private static KlConvention parseConvention(String s) {
        for (KlConvention c : KlConvention.values()) {
            if (c.name().equalsIgnoreCase(s)) {
                return c;
            }
        }
        throw new IllegalArgumentException(KL_CONVENTION + " must be paper or sb3, got: " + s);
    }

    private static Activation parseActivation(String s) {
        try {
            return Activation.fromWire(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ACTIVATION + " must be one of tanh, relu, identity, got: " + s);
        }
    }

    private static List<Integer> parseSizes(String s) {
        List<Integer> sizes = new ArrayList<>();
        for (String part : s.split(",")) {
            try {
                sizes.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(HIDDEN_SIZES + " must be comma-separated integers >= 1, got: " + s);
            }
        }
        return sizes;
    }
}
