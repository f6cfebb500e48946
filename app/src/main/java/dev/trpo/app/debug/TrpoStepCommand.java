package dev.trpo.app.debug;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.trpo.policy.ConjugateGradient;
import dev.trpo.policy.CriticConfig;
import dev.trpo.policy.LineSearchTry;
import dev.trpo.policy.PolicyObjective;
import dev.trpo.policy.PolicyStep;
import dev.trpo.policy.TrpoConfig;
import dev.trpo.policy.TrpoUpdater;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trpo debug trpo-step --input FILE.json}: recomputes one TRPO step from a golden-format file (categorical or
 * Gaussian) with the project's policy module and prints g, F v, the CG solution and, per variant, beta, every
 * line-search try, the accepted iteration and theta_new, in the file's flattening order. Exit 0 on success, 2 on a
 * bad input file (one line on stderr).
 */
@Command(name = "trpo-step", mixinStandardHelpOptions = true,
        description = "Recompute one TRPO update from a golden-format JSON file (../shared/golden) and print every "
                + "intermediate result as JSON: g, Fv, cg_x and, per KL convention, beta, line_search, "
                + "accepted_iteration and theta_new.")
public final class TrpoStepCommand implements Callable<Integer> {
    /** Exit code for an unreadable or malformed input file. */
    public static final int EXIT_BAD_INPUT = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE.json",
            description = "A file in the layout of trpo_step_categorical.json (kind categorical or gaussian).")
    private Path input;

    @Override
    public Integer call() {
        ObjectMapper mapper = new ObjectMapper();
        GoldenStepFile file;
        try {
            file = GoldenStepFile.parse(mapper.readTree(Files.readString(input)));
        } catch (NoSuchFileException e) {
            return fail("no such file: " + input);
        } catch (JsonProcessingException e) {
            return fail("not valid JSON: " + input + " (line " + e.getLocation().getLineNr() + ": "
                    + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            return fail("cannot read " + input + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail("bad input " + input + ": " + e.getMessage());
        }
        try {
            Map<String, Object> out = compute(file);
            spec.commandLine().getOut().println(mapper.enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(out));
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IllegalArgumentException | JsonProcessingException e) {
            return fail("bad input " + input + ": " + e.getMessage());
        }
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("trpo-step: " + message);
        spec.commandLine().getErr().flush();
        return EXIT_BAD_INPUT;
    }

    /** Every result of the step, keyed as in the golden file. */
    static Map<String, Object> compute(GoldenStepFile f) {
        PolicyObjective objective = new PolicyObjective(f.net(), f.space(), f.n());
        objective.load(f.theta(), f.obs(), f.actions(), f.oldLogp(), f.advantages(), f.n(), 1.0, null);
        int p = objective.parameterCount();

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", f.kind());
        double[] g = new double[p];
        out.put("surrogate_old", objective.surrogateGradient(g));
        out.put("g", g);
        if (f.v() != null) {
            double[] fv = new double[p];
            objective.fisherVectorProduct(f.v(), fv);
            out.put("Fv", fv);
        }
        double[] x = new double[p];
        double damping = f.damping();
        ConjugateGradient.Result cg = new ConjugateGradient(p).solve((v, o) -> {
            objective.fisherVectorProduct(v, o);
            for (int i = 0; i < p; i++) {
                o[i] += damping * v[i];
            }
        }, g, x, f.cgIters(), f.cgTol());
        out.put("cg_x", x);
        out.put("cg_iterations", cg.iterations());
        out.put("cg_residual_squared", cg.residualSquared());

        Map<String, Object> variants = new LinkedHashMap<>();
        for (GoldenStepFile.Variant variant : f.variants()) {
            TrpoConfig config = new TrpoConfig(f.delta(), f.damping(), f.cgIters(), f.cgTol(), f.shrink(),
                    f.lsMaxIter(), variant.convention(), 1.0, false);
            double[] theta = f.theta().clone();
            objective.load(f.theta(), f.obs(), f.actions(), f.oldLogp(), f.advantages(), f.n(), 1.0, null);
            PolicyStep step = new TrpoUpdater(config, CriticConfig.defaults()).policyStep(objective, theta);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("convention", variant.convention().name());
            v.put("beta", step.beta());
            v.put("xFx", step.xFx());
            v.put("xFx_damped", step.xAx());
            List<Map<String, Object>> tries = new ArrayList<>();
            int k = 0;
            for (LineSearchTry t : step.tries()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("k", k++);
                m.put("coef", t.coef());
                m.put("surrogate", t.surrogate());
                m.put("kl_old_new", t.klOldNew());
                m.put("kl_new_old", t.klNewOld());
                m.put("accepted", t.accepted());
                tries.add(m);
            }
            v.put("line_search", tries);
            v.put("accepted_iteration", step.accepted() ? step.acceptedIteration() : null);
            v.put("success", step.accepted());
            if (step.rejectReason() != null) {
                v.put("reject_reason", step.rejectReason());
            }
            v.put("theta_new", theta);
            variants.put(variant.name(), v);
        }
        out.put("variants", variants);
        return out;
    }
}
