package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The TRPO step on ../shared/golden/trpo_step_categorical.json (sb3-contrib, float64), to its README's tolerances. */
class GoldenStepTest {
    /** g and F v: the README's suggestion; our sums differ from PyTorch's only in rounding order. */
    private static final double GRAD_TOL = 1e-12;
    private static final double STEP_TOL = 1e-10;
    private static final double LINE_SEARCH_TOL = 1e-12;
    private static final double PARAMS_TOL = 1e-10;

    private static JsonNode golden;
    private static Mlp net;
    private static double[] theta;
    private static double[] obs;
    private static double[] actions;
    private static double[] oldLogp;
    private static double[] advantages;
    private static int n;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = GoldenStepTest.class.getResourceAsStream("/golden/trpo_step_categorical.json")) {
            assertNotNull(in, "golden file on the test classpath");
            golden = new ObjectMapper().readTree(in);
        }
        JsonNode arch = golden.get("architecture");
        net = new Mlp(arch.get("obs_dim").asInt(), new int[] {arch.get("hidden").asInt()}, arch.get("out_dim").asInt(),
                Activation.fromWire(arch.get("activation").asText()));
        theta = doubles(golden.get("theta_old"));
        JsonNode batch = golden.get("batch");
        n = batch.get("size").asInt();
        obs = doubles(batch.get("obs"));
        actions = doubles(batch.get("actions"));
        oldLogp = doubles(batch.get("old_log_prob"));
        advantages = doubles(batch.get("advantages"));
    }

    static double[] doubles(JsonNode node) {
        int count = 0;
        for (JsonNode e : node) {
            count += e.isArray() ? e.size() : 1;
        }
        double[] out = new double[count];
        int k = 0;
        for (JsonNode e : node) {
            if (e.isArray()) {
                for (JsonNode x : e) {
                    out[k++] = x.asDouble();
                }
            } else {
                out[k++] = e.asDouble();
            }
        }
        return out;
    }

    private static PolicyObjective loaded() {
        PolicyObjective obj = new PolicyObjective(net, new ActionSpace.Discrete(net.outputSize()), n);
        obj.load(theta, obs, actions, oldLogp, advantages, n, 1.0, null);
        return obj;
    }

    private static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
        }
    }

    private static TrpoConfig config(KlConvention convention) {
        JsonNode h = golden.get("hyper");
        return new TrpoConfig(h.get("delta").asDouble(), h.get("damping").asDouble(), h.get("cg_iters").asInt(),
                h.get("cg_residual_tol").asDouble(), h.get("line_search_shrink").asDouble(),
                h.get("line_search_max_iter").asInt(), convention, 1.0, true);
    }

    @Test
    void advantageNormalisationMatchesTheGolden() {
        double[] adv = doubles(golden.get("batch").get("advantages_raw"));
        Gae.normalize(adv, adv.length);
        assertClose(advantages, adv, 1e-14, "advantages");
    }

    @Test
    void surrogateAndGradientMatchTheGolden() {
        PolicyObjective obj = loaded();
        double[] g = new double[obj.parameterCount()];
        double sur = obj.surrogateGradient(g);
        assertEquals(golden.get("results").get("surrogate_old").asDouble(), sur, GRAD_TOL);
        assertClose(doubles(golden.get("results").get("g")), g, GRAD_TOL, "g");
    }

    @Test
    void fisherVectorProductMatchesTheGolden() {
        PolicyObjective obj = loaded();
        double[] fv = new double[obj.parameterCount()];
        obj.fisherVectorProduct(doubles(golden.get("results").get("v")), fv);
        assertClose(doubles(golden.get("results").get("Fv")), fv, GRAD_TOL, "Fv");
    }

    @Test
    void conjugateGradientMatchesTheGolden() {
        PolicyObjective obj = loaded();
        int p = obj.parameterCount();
        double[] g = new double[p];
        obj.surrogateGradient(g);
        double damping = golden.get("hyper").get("damping").asDouble();
        double[] x = new double[p];
        ConjugateGradient.Result r = new ConjugateGradient(p).solve((v, out) -> {
            obj.fisherVectorProduct(v, out);
            for (int i = 0; i < p; i++) {
                out[i] += damping * v[i];
            }
        }, g, x, golden.get("hyper").get("cg_iters").asInt(), golden.get("hyper").get("cg_residual_tol").asDouble());
        assertClose(doubles(golden.get("results").get("cg_x")), x, STEP_TOL, "cg_x");
        assertEquals(golden.get("results").get("cg_trace").size() - 1, r.iterations(), "CG iterations");
    }

    @Test
    void bothConventionsReproduceTheGoldenLineSearch() {
        Iterator<Map.Entry<String, JsonNode>> it = golden.get("results").get("variants").fields();
        int checked = 0;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            KlConvention convention = e.getKey().startsWith("A_") ? KlConvention.PAPER : KlConvention.SB3;
            JsonNode expected = e.getValue();
            PolicyObjective obj = loaded();
            double[] t = theta.clone();
            PolicyStep step = new TrpoUpdater(config(convention), CriticConfig.defaults()).policyStep(obj, t);

            assertEquals(expected.get("beta").asDouble(), step.beta(), LINE_SEARCH_TOL, e.getKey() + " beta");
            JsonNode ls = expected.get("line_search");
            assertEquals(ls.size(), step.tries().size(), e.getKey() + " tries");
            for (int k = 0; k < ls.size(); k++) {
                LineSearchTry actual = step.tries().get(k);
                assertEquals(ls.get(k).get("coef").asDouble(), actual.coef(), LINE_SEARCH_TOL);
                assertEquals(ls.get(k).get("surrogate").asDouble(), actual.surrogate(), LINE_SEARCH_TOL);
                assertEquals(ls.get(k).get("kl_old_new").asDouble(), actual.klOldNew(), LINE_SEARCH_TOL);
                assertEquals(ls.get(k).get("kl_new_old").asDouble(), actual.klNewOld(), LINE_SEARCH_TOL);
                assertEquals(ls.get(k).get("accepted").asBoolean(), actual.accepted());
            }
            assertEquals(expected.get("accepted_iteration").asInt(), step.acceptedIteration(), e.getKey());
            assertClose(doubles(expected.get("theta_new")), t, PARAMS_TOL, e.getKey() + " theta_new");
            checked++;
        }
        assertTrue(checked == 2, "both variants present");
    }
}
