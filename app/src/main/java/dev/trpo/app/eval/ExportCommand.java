package dev.trpo.app.eval;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.trpo.app.cli.UsageException;
import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.Layer;
import dev.trpo.schemas.PolicySnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trpo export}: a policy snapshot as one self-contained JSON document (normaliser, actor, head, critic), for
 * acting where there is no JVM and no Avro: {@code connectors/python/trpo_policy.py} acts from it with the Python
 * standard library. The format ({@value #FORMAT}) is documented in schemas/README.md.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a policy snapshot as one JSON document or an ONNX model, to act from it without a JVM",
            "(connectors/python/trpo_policy.py acts from the JSON with the Python standard library; any ONNX runtime"
                + " runs the model: --output policy.onnx)."})
public final class ExportCommand implements Callable<Integer> {
    /** The {@code format} field of the document; bumped when a field changes meaning. */
    public static final String FORMAT = "trpo-policy-json/1";

    @Option(names = "--policy", paramLabel = "FILE", required = true, description = "A PolicySnapshot (policy.avro, best-policy.avro, eval --save).")
    Path policy;

    @Option(names = "--output", paramLabel = "FILE", description = "Where to write it (default: standard output, for JSON).")
    Path output;

    @Option(names = "--format", paramLabel = "json|onnx", description = "json, or onnx (an ONNX model, opset 13, float32:"
            + " input observation, outputs action, logits or mean, value); default: onnx when --output ends in .onnx,"
            + " else json.")
    String format;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PolicySnapshot s = EvalCommand.read(policy);
        String kind = format != null ? format.toLowerCase(java.util.Locale.ROOT)
                : output != null && output.toString().endsWith(".onnx") ? "onnx" : "json";
        if (kind.equals("onnx")) {
            if (output == null) {
                throw new UsageException("--format onnx needs --output FILE (a binary model is not written to the terminal)");
            }
            try {
                Files.write(output, OnnxPolicy.of(s));
            } catch (IOException e) {
                throw new UsageException("cannot write " + output + ": " + e.getMessage());
            }
            spec.commandLine().getErr().println("wrote " + output + " (ONNX opset " + OnnxPolicy.OPSET + ", "
                    + s.getEnvId() + ", version " + s.getVersion() + ")");
            return 0;
        }
        if (!kind.equals("json")) {
            throw new UsageException("--format " + format + " is not one of json, onnx");
        }
        String json = toJson(s);
        if (output == null) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(json);
            out.flush();
        } else {
            try {
                Files.writeString(output, json + "\n");
            } catch (IOException e) {
                throw new UsageException("cannot write " + output + ": " + e.getMessage());
            }
            spec.commandLine().getErr().println("wrote " + output + " (" + s.getEnvId() + ", version " + s.getVersion() + ")");
        }
        return 0;
    }

    /** The JSON document of a snapshot. */
    public static String toJson(PolicySnapshot s) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("format", FORMAT);
        root.put("env", s.getEnvId());
        root.put("run_id", s.getRunId());
        root.put("version", s.getVersion());
        root.put("observation_size", s.getObservationSize());
        ObjectNode norm = root.putObject("normalizer");
        norm.put("enabled", s.getNormalizer().getEnabled());
        numbers(norm.putArray("mean"), s.getNormalizer().getMean());
        numbers(norm.putArray("variance"), s.getNormalizer().getVariance());
        norm.put("epsilon", s.getNormalizer().getEpsilon());
        norm.put("clip", s.getNormalizer().getClip());
        layers(root.putArray("actor"), s.getActorLayers());
        layers(root.putArray("critic"), s.getCriticLayers());
        ObjectNode action = root.putObject("action");
        if (s.getActionSpace().getKind() == ActionKind.DISCRETE) {
            action.put("discrete", s.getActionSpace().getN());
        } else {
            numbers(action.putArray("low"), s.getActionSpace().getLow());
            numbers(action.putArray("high"), s.getActionSpace().getHigh());
            numbers(action.putArray("log_std"), s.getLogStd());
        }
        try {
            return json.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the policy as JSON", e);
        }
    }

    private static void layers(ArrayNode out, List<Layer> layers) {
        for (Layer l : layers) {
            ObjectNode o = out.addObject();
            o.put("input_size", l.getInputSize());
            o.put("output_size", l.getOutputSize());
            o.put("activation", l.getActivation());
            numbers(o.putArray("weights"), l.getWeights());
            numbers(o.putArray("bias"), l.getBias());
        }
    }

    private static void numbers(ArrayNode out, List<Double> values) {
        for (Double v : values) {
            out.add(v);
        }
    }
}
