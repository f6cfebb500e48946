package dev.trpo.app.eval;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.Layer;
import dev.trpo.schemas.NormalizerStats;
import dev.trpo.schemas.PolicySnapshot;

/**
 * A policy snapshot as an ONNX model (opset 13, float32), for acting wherever an ONNX runtime runs (C++, C#, Python,
 * a robot's controller) without this project's code. Inputs and outputs, each with a leading batch dimension:
 * <ul>
 *   <li>{@code observation} float [batch, observation size]: the raw observation; the model normalises it with the
 *       snapshot's statistics (and clip) when the run did;</li>
 *   <li>{@code action}: the deterministic action, int64 [batch] for a discrete space (the first index of the largest
 *       logit) or float [batch, dims] (the Gaussian's mean clipped to the action bounds);</li>
 *   <li>{@code logits} float [batch, n] (discrete) or {@code mean} float [batch, dims] (continuous): the actor's
 *       output;</li>
 *   <li>{@code value} float [batch, 1]: the critic's estimate, in the run's learning units.</li>
 * </ul>
 * The arithmetic is schemas/README.md's "Acting from a PolicySnapshot alone", in float32 instead of double.
 * The protobuf encoding is written here (a few field numbers of onnx.proto), not with a protobuf library: the model
 * is one message of a fixed, small shape.
 */
public final class OnnxPolicy {
    /** ONNX IR version 8 (ONNX 1.10 and later), with the default domain's operator set 13. */
    static final long IR_VERSION = 8;
    static final long OPSET = 13;

    private static final int FLOAT = 1;
    private static final int INT64 = 7;
    private static final int ATTRIBUTE_INT = 2;

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private int names;

    private OnnxPolicy() {
    }

    /** The ONNX model of {@code s}. */
    public static byte[] of(PolicySnapshot s) {
        return new OnnxPolicy().build(s);
    }

    private byte[] build(PolicySnapshot s) {
        int obs = s.getObservationSize();
        String x = "observation";
        NormalizerStats n = s.getNormalizer();
        if (n.getEnabled()) {
            float[] mean = new float[obs];
            float[] std = new float[obs];
            for (int i = 0; i < obs; i++) {
                mean[i] = (float) (double) n.getMean().get(i);
                std[i] = (float) Math.sqrt(n.getVariance().get(i) + n.getEpsilon());
            }
            x = node("Div", List.of(node("Sub", List.of(x, constant("obs_mean", new long[] {obs}, mean))),
                    constant("obs_std", new long[] {obs}, std)));
            if (n.getClip() > 0) {
                float c = (float) n.getClip();
                x = node("Clip", List.of(x, constant("clip_low", new long[] {}, new float[] {-c}),
                        constant("clip_high", new long[] {}, new float[] {c})));
            }
        }
        String actor = mlp("actor", x, s.getActorLayers());
        String value = mlp("critic", x, s.getCriticLayers());
        List<byte[]> outputs = new ArrayList<>();
        boolean discrete = s.getActionSpace().getKind() == ActionKind.DISCRETE;
        int actionSize = discrete ? s.getActionSpace().getN() : s.getActionSpace().getLow().size();
        if (discrete) {
            String logits = rename(actor, "logits");
            nodes.add(nodeProto("ArgMax", List.of(logits), "action", List.of(attribute("axis", 1),
                    attribute("keepdims", 0), attribute("select_last_index", 0))));
            outputs.add(valueInfo("action", INT64, "batch"));
            outputs.add(valueInfo("logits", FLOAT, "batch", actionSize));
        } else {
            String mean = rename(actor, "mean");
            float[] low = floats(s.getActionSpace().getLow());
            float[] high = floats(s.getActionSpace().getHigh());
            String upper = node("Min", List.of(mean, constant("action_high", new long[] {actionSize}, high)));
            nodes.add(nodeProto("Max", List.of(upper, constant("action_low", new long[] {actionSize}, low)), "action",
                    List.of()));
            outputs.add(valueInfo("action", FLOAT, "batch", actionSize));
            outputs.add(valueInfo("mean", FLOAT, "batch", actionSize));
        }
        rename(value, "value");
        outputs.add(valueInfo("value", FLOAT, "batch", 1));

        Proto graph = new Proto();
        nodes.forEach(b -> graph.message(1, b));
        graph.string(2, "trpo_policy");
        initializers.forEach(b -> graph.message(5, b));
        graph.string(10, "trpo policy " + s.getEnvId() + " version " + s.getVersion() + " (run " + s.getRunId() + ")");
        graph.message(11, valueInfo("observation", FLOAT, "batch", obs));
        outputs.forEach(b -> graph.message(12, b));

        Proto opset = new Proto();
        opset.string(1, "");
        opset.varint(2, OPSET);
        Proto model = new Proto();
        model.varint(1, IR_VERSION);
        model.string(2, "trpo-kafka");
        model.message(7, graph.bytes());
        model.message(8, opset.bytes());
        return model.bytes();
    }

    /** Dense layers y = activation(W x + b) as Gemm (W is [out, in], so transB) and the activation's node. */
    private String mlp(String prefix, String input, List<Layer> layers) {
        String h = input;
        for (int k = 0; k < layers.size(); k++) {
            Layer l = layers.get(k);
            String w = constant(prefix + "_" + k + "_weight", new long[] {l.getOutputSize(), l.getInputSize()},
                    floats(l.getWeights()));
            String b = constant(prefix + "_" + k + "_bias", new long[] {l.getOutputSize()}, floats(l.getBias()));
            String out = fresh();
            nodes.add(nodeProto("Gemm", List.of(h, w, b), out, List.of(attribute("transB", 1))));
            h = switch (l.getActivation()) {
                case "tanh" -> node("Tanh", List.of(out));
                case "relu" -> node("Relu", List.of(out));
                case "identity" -> out;
                default -> throw new IllegalArgumentException("activation " + l.getActivation() + " has no ONNX export");
            };
        }
        return h;
    }

    /** Gives the tensor {@code name} (a graph output) the value of {@code from}. */
    private String rename(String from, String name) {
        nodes.add(nodeProto("Identity", List.of(from), name, List.of()));
        return name;
    }

    private String node(String op, List<String> inputs) {
        String out = fresh();
        nodes.add(nodeProto(op, inputs, out, List.of()));
        return out;
    }

    private String fresh() {
        return "t" + names++;
    }

    private String constant(String name, long[] dims, float[] values) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, FLOAT);
        t.string(8, name);
        ByteArrayOutputStream raw = new ByteArrayOutputStream(values.length * 4);
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            for (int k = 0; k < 4; k++) {
                raw.write(bits >>> (8 * k)); // little-endian, as raw_data is
            }
        }
        t.message(9, raw.toByteArray());
        initializers.add(t.bytes());
        return name;
    }

    private static byte[] nodeProto(String op, List<String> inputs, String output, List<byte[]> attributes) {
        Proto n = new Proto();
        inputs.forEach(i -> n.string(1, i));
        n.string(2, output);
        n.string(3, op + "_" + output);
        n.string(4, op);
        attributes.forEach(a -> n.message(5, a));
        return n.bytes();
    }

    private static byte[] attribute(String name, long value) {
        Proto a = new Proto();
        a.string(1, name);
        a.varint(3, value);
        a.varint(20, ATTRIBUTE_INT);
        return a.bytes();
    }

    /** A tensor's name, element type and shape; the first dimension is the symbolic batch. */
    private static byte[] valueInfo(String name, int elementType, String batch, long... dims) {
        Proto shape = new Proto();
        Proto first = new Proto();
        first.string(2, batch);
        shape.message(1, first.bytes());
        for (long d : dims) {
            Proto dim = new Proto();
            dim.varint(1, d);
            shape.message(1, dim.bytes());
        }
        Proto tensor = new Proto();
        tensor.varint(1, elementType);
        tensor.message(2, shape.bytes());
        Proto type = new Proto();
        type.message(1, tensor.bytes());
        Proto info = new Proto();
        info.string(1, name);
        info.message(2, type.bytes());
        return info.bytes();
    }

    private static float[] floats(List<Double> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (double) values.get(i);
        }
        return f;
    }

    /** Protocol-buffers wire format: varint (type 0) and length-delimited (type 2) fields. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
        }

        void string(int field, String value) {
            message(field, value.getBytes(StandardCharsets.UTF_8));
        }

        void message(int field, byte[] bytes) {
            raw(((long) field << 3) | 2);
            raw(bytes.length);
            out.writeBytes(bytes);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
