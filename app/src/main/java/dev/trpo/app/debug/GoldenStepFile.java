package dev.trpo.app.debug;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.KlConvention;
import dev.trpo.policy.Mlp;
import java.util.ArrayList;
import java.util.List;

/**
 * A TRPO-step conformance file in the layout of ../shared/golden/trpo_step_categorical.json, of kind
 * {@code categorical} or {@code gaussian} (log-std as the last parameters). Parsing failures throw
 * {@link IllegalArgumentException} naming the missing or malformed key.
 *
 * @param kind       "categorical" or "gaussian"
 * @param net        the actor network
 * @param space      its action space
 * @param theta      theta_old in the file's flattening order
 * @param obs        [n * obsDim]
 * @param actions    [n * actionDim]
 * @param oldLogp    [n]
 * @param advantages [n], already normalised as the file says
 * @param n          batch size
 * @param v          the vector for the Fisher-vector product (null when the file has none)
 * @param delta      trust-region radius
 * @param damping    CG damping
 * @param cgIters    CG iterations
 * @param cgTol      CG squared-residual tolerance
 * @param shrink     line-search shrink factor
 * @param lsMaxIter  line-search tries
 * @param variants   the variant names to report, each with its convention
 */
record GoldenStepFile(String kind, Mlp net, ActionSpace space, double[] theta, double[] obs, double[] actions,
                      double[] oldLogp, double[] advantages, int n, double[] v, double delta, double damping,
                      int cgIters, double cgTol, double shrink, int lsMaxIter, List<Variant> variants) {

    /** A named variant of the step and its KL convention. */
    record Variant(String name, KlConvention convention) {
    }

    static final String PAPER_VARIANT = "A_undamped_xFx_KLoldnew_le";
    static final String SB3_VARIANT = "B_sb3contrib_damped_xAx_KLnewold_lt";

    static GoldenStepFile parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the file is not a JSON object");
        }
        String kind = require(root, "kind").asText();
        JsonNode arch = require(root, "architecture");
        int obsDim = require(arch, "architecture.obs_dim", "obs_dim").asInt();
        JsonNode hiddenNode = require(arch, "architecture.hidden", "hidden");
        int[] hidden;
        if (hiddenNode.isArray()) {
            hidden = new int[hiddenNode.size()];
            for (int i = 0; i < hidden.length; i++) {
                hidden[i] = hiddenNode.get(i).asInt();
            }
        } else {
            hidden = new int[] {hiddenNode.asInt()};
        }
        int outDim = require(arch, "architecture.out_dim", "out_dim").asInt();
        Activation act = Activation.fromWire(arch.has("activation") ? arch.get("activation").asText() : "tanh");
        Mlp net = new Mlp(obsDim, hidden, outDim, act);
        ActionSpace space;
        int actionDim;
        int expectedParams;
        switch (kind) {
            case "categorical" -> {
                space = new ActionSpace.Discrete(outDim);
                actionDim = 1;
                expectedParams = net.parameterCount();
            }
            case "gaussian" -> {
                double[] low = new double[outDim];
                double[] high = new double[outDim];
                java.util.Arrays.fill(low, Double.NEGATIVE_INFINITY);
                java.util.Arrays.fill(high, Double.POSITIVE_INFINITY);
                space = new ActionSpace.Box(low, high);
                actionDim = outDim;
                expectedParams = net.parameterCount() + outDim;
            }
            default -> throw new IllegalArgumentException("kind must be categorical or gaussian, got " + kind);
        }
        double[] theta = doubles(require(root, "theta_old"), "theta_old");
        if (theta.length != expectedParams) {
            throw new IllegalArgumentException("theta_old has " + theta.length + " values, the " + kind
                    + " architecture needs " + expectedParams);
        }
        JsonNode batch = require(root, "batch");
        double[] obs = doubles(require(batch, "batch.obs", "obs"), "batch.obs");
        int n = batch.has("size") ? batch.get("size").asInt() : obs.length / obsDim;
        if (n < 1 || obs.length != n * obsDim) {
            throw new IllegalArgumentException("batch.obs has " + obs.length + " values, expected size " + n
                    + " x obs_dim " + obsDim);
        }
        double[] actions = doubles(require(batch, "batch.actions", "actions"), "batch.actions");
        if (actions.length != n * actionDim) {
            throw new IllegalArgumentException("batch.actions has " + actions.length + " values, expected "
                    + n * actionDim);
        }
        double[] oldLogp = sized(doubles(require(batch, "batch.old_log_prob", "old_log_prob"), "batch.old_log_prob"),
                n, "batch.old_log_prob");
        double[] adv;
        if (batch.has("advantages")) {
            adv = sized(doubles(batch.get("advantages"), "batch.advantages"), n, "batch.advantages");
        } else {
            adv = sized(doubles(require(batch, "batch.advantages_raw", "advantages_raw"), "batch.advantages_raw"), n,
                    "batch.advantages_raw");
            dev.trpo.policy.Gae.normalize(adv, n);
        }
        JsonNode hyper = require(root, "hyper");
        JsonNode results = root.get("results");
        double[] v = results != null && results.has("v")
                ? sized(doubles(results.get("v"), "results.v"), expectedParams, "results.v") : null;
        List<Variant> variants = new ArrayList<>();
        if (results != null && results.has("variants") && results.get("variants").isObject()) {
            results.get("variants").fieldNames().forEachRemaining(name -> variants.add(new Variant(name,
                    conventionOf(name))));
        }
        if (variants.isEmpty()) {
            variants.add(new Variant(PAPER_VARIANT, KlConvention.PAPER));
            variants.add(new Variant(SB3_VARIANT, KlConvention.SB3));
        }
        return new GoldenStepFile(kind, net, space, theta, obs, actions, oldLogp, adv, n, v,
                number(hyper, "delta"), number(hyper, "damping"), (int) number(hyper, "cg_iters"),
                number(hyper, "cg_residual_tol"), number(hyper, "line_search_shrink"),
                (int) number(hyper, "line_search_max_iter"), List.copyOf(variants));
    }

    private static KlConvention conventionOf(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("sb3") || lower.contains("klnewold")) {
            return KlConvention.SB3;
        }
        if (lower.startsWith("a_") || lower.contains("kloldnew") || lower.contains("paper")) {
            return KlConvention.PAPER;
        }
        throw new IllegalArgumentException("results.variants." + name
                + ": cannot tell its convention (expected a name like " + PAPER_VARIANT + " or " + SB3_VARIANT + ")");
    }

    private static JsonNode require(JsonNode node, String key) {
        return require(node, key, key);
    }

    private static JsonNode require(JsonNode node, String path, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing key " + path);
        }
        return v;
    }

    private static double number(JsonNode hyper, String key) {
        JsonNode v = require(hyper, "hyper." + key, key);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("hyper." + key + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static double[] sized(double[] a, int n, String key) {
        if (a.length != n) {
            throw new IllegalArgumentException(key + " has " + a.length + " values, expected " + n);
        }
        return a;
    }

    /** Flattens a number, a list of numbers or a list of lists of numbers. */
    static double[] doubles(JsonNode node, String key) {
        if (node.isNumber()) {
            return new double[] {node.asDouble()};
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(key + " must be a list of numbers");
        }
        int count = 0;
        for (JsonNode e : node) {
            count += e.isArray() ? e.size() : 1;
        }
        double[] out = new double[count];
        int k = 0;
        for (JsonNode e : node) {
            if (e.isArray()) {
                for (JsonNode x : e) {
                    out[k++] = checked(x, key);
                }
            } else {
                out[k++] = checked(e, key);
            }
        }
        return out;
    }

    private static double checked(JsonNode x, String key) {
        if (!x.isNumber()) {
            throw new IllegalArgumentException(key + " must hold only numbers, found " + x);
        }
        return x.asDouble();
    }
}
