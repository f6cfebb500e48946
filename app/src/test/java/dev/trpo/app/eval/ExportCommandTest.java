package dev.trpo.app.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.trpo.app.Main;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.ObservationNormalizer;
import dev.trpo.policy.Workspace;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import picocli.CommandLine;

/**
 * {@code trpo export} and {@code connectors/python/trpo_policy.py}: the Python reading of the exported document acts
 * and values exactly as the JVM does, for a discrete and a continuous policy with observation normalisation.
 */
class ExportCommandTest {
    private static final Path PYTHON_DIR = Path.of("../connectors/python").toAbsolutePath().normalize();
    private static final Path PROBE = Path.of("src/test/resources/process-env/policy_probe.py").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A policy whose parameters are far from their initialisation, with observation statistics that matter. */
    private static ActorCritic policy(int obsDim, ActionSpace space, Activation act, long seed) {
        ActorCritic base = ActorCritic.create(obsDim, space, new int[] {16, 8}, act, -0.3, true, seed);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] actor = base.actorParameters().clone();
        double[] critic = base.criticParameters().clone();
        for (int i = 0; i < actor.length; i++) {
            actor[i] += 0.7 * rng.nextGaussian();
        }
        for (int i = 0; i < critic.length; i++) {
            critic[i] += 0.7 * rng.nextGaussian();
        }
        double[] mean = new double[obsDim];
        double[] var = new double[obsDim];
        for (int i = 0; i < obsDim; i++) {
            mean[i] = rng.nextGaussian();
            var[i] = 0.01 + 4 * rng.nextDouble();
        }
        return ActorCritic.fromParts(obsDim, space, new int[] {16, 8}, new int[] {16, 8}, act, actor, critic,
                ObservationNormalizer.of(mean, var, 1000, 2.0));
    }

    private Path snapshotFile(ActorCritic ac, String env) throws Exception {
        PolicySnapshot s = Snapshots.toSnapshot(ac, new Snapshots.Meta("export", 7, 6L, env, null, 1, Map.of(),
                Snapshots.emptyCounters(), 0));
        Path file = tmp.resolve(env.replaceAll("[^A-Za-z0-9-]", "_") + ".avro");
        Files.write(file, AvroSerde.of(PolicySnapshot.class).encode(s));
        return file;
    }

    private Path export(Path policy) {
        Path out = tmp.resolve(policy.getFileName() + ".json");
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(new StringWriter()));
        assertEquals(0, cmd.execute("export", "--policy", policy.toString(), "--output", out.toString()));
        return out;
    }

    /** Runs the Python reader on the observations; one JSON answer per observation. */
    private static List<JsonNode> python(Path document, List<double[]> observations) throws Exception {
        Process p = new ProcessBuilder("python3", PROBE.toString(), PYTHON_DIR.toString(), document.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            for (double[] o : observations) {
                in.write(JSON.writeValueAsString(o) + "\n");
            }
        }
        List<JsonNode> answers = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                answers.add(JSON.readTree(line));
            }
        }
        assertEquals(0, p.waitFor(), "the Python reader failed");
        return answers;
    }

    private static List<double[]> observations(int obsDim, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<double[]> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] o = new double[obsDim];
            for (int j = 0; j < obsDim; j++) {
                o[j] = 3 * rng.nextGaussian(); // some beyond the normaliser's clip of 2
            }
            all.add(o);
        }
        return all;
    }

    @Test
    void aDiscretePolicyActsAndValuesInPythonAsOnTheJvm() throws Exception {
        ActorCritic ac = policy(5, new ActionSpace.Discrete(4), Activation.TANH, 3);
        Path document = export(snapshotFile(ac, "Discrete-v0"));
        JsonNode doc = JSON.readTree(document.toFile());
        assertEquals(ExportCommand.FORMAT, doc.get("format").asText());
        assertEquals(4, doc.get("action").get("discrete").asInt());

        List<double[]> obs = observations(5, 200, 9);
        List<JsonNode> answers = python(document, obs);
        assertEquals(obs.size(), answers.size());
        Workspace ws = ac.workspace(1);
        double[] action = new double[1];
        double[] logp = new double[1];
        double[] value = new double[1];
        int[] seen = new int[4];
        for (int i = 0; i < obs.size(); i++) {
            ac.act(obs.get(i), 1, null, true, action, logp, value, ws);
            assertEquals((int) action[0], answers.get(i).get("action").asInt(), "observation " + i);
            assertEquals(value[0], answers.get(i).get("value").asDouble(), 1e-12 * Math.max(1, Math.abs(value[0])));
            seen[(int) action[0]]++;
        }
        assertTrue(java.util.Arrays.stream(seen).filter(c -> c > 0).count() >= 3,
                "several actions are taken, so argmax is really compared: " + java.util.Arrays.toString(seen));
    }

    @Test
    void aContinuousPolicyActsInPythonAsTheEnvironmentReceivesIt() throws Exception {
        ActionSpace.Box box = new ActionSpace.Box(new double[] {-1.0, -2.0}, new double[] {1.0, 0.5});
        ActorCritic ac = policy(3, box, Activation.RELU, 4);
        Path document = export(snapshotFile(ac, "Box-v0"));

        List<double[]> obs = observations(3, 100, 10);
        List<JsonNode> answers = python(document, obs);
        Workspace ws = ac.workspace(1);
        double[] mu = new double[2];
        double[] logp = new double[1];
        double[] value = new double[1];
        int clipped = 0;
        for (int i = 0; i < obs.size(); i++) {
            ac.act(obs.get(i), 1, null, true, mu, logp, value, ws);
            for (int k = 0; k < 2; k++) {
                double expected = Math.max(box.low()[k], Math.min(box.high()[k], mu[k]));
                clipped += expected != mu[k] ? 1 : 0;
                assertEquals(expected, answers.get(i).get("action").get(k).asDouble(), 1e-12, "observation " + i);
                assertEquals(mu[k], answers.get(i).get("output").get(k).asDouble(), 1e-12, "observation " + i);
            }
            assertEquals(value[0], answers.get(i).get("value").asDouble(), 1e-12 * Math.max(1, Math.abs(value[0])));
        }
        assertTrue(clipped > 0 && clipped < 200, "some actions are clipped and some not: " + clipped);
        JsonNode doc = JSON.readTree(document.toFile());
        assertEquals(ac.actorParameters()[ac.actorParameters().length - 1], doc.get("action").get("log_std").get(1).asDouble());
    }

    /** Runs an exported ONNX model in ONNX Runtime on a batch of observations: its outputs by name. */
    private static Map<String, Object> onnx(Path model, List<double[]> observations) throws Exception {
        int n = observations.size();
        int d = observations.get(0).length;
        float[][] batch = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                batch[i][j] = (float) observations.get(i)[j];
            }
        }
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (ai.onnxruntime.OrtSession session = env.createSession(model.toString(), new ai.onnxruntime.OrtSession.SessionOptions());
             ai.onnxruntime.OnnxTensor input = ai.onnxruntime.OnnxTensor.createTensor(env, batch);
             ai.onnxruntime.OrtSession.Result result = session.run(Map.of("observation", input))) {
            Map<String, Object> out = new java.util.HashMap<>();
            result.forEach(e -> {
                try {
                    out.put(e.getKey(), ((ai.onnxruntime.OnnxTensor) e.getValue()).getValue());
                } catch (ai.onnxruntime.OrtException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            return out;
        }
    }

    private Path exportOnnx(Path policy) {
        Path out = tmp.resolve(policy.getFileName() + ".onnx");
        CommandLine cmd = Main.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        assertEquals(0, cmd.execute("export", "--policy", policy.toString(), "--output", out.toString()), err.toString());
        assertTrue(err.toString().contains("ONNX opset 13"), err.toString());
        return out;
    }

    @Test
    void theOnnxModelActsAndValuesInOnnxRuntimeAsOnTheJvmToFloatPrecision() throws Exception {
        ActorCritic ac = policy(5, new ActionSpace.Discrete(4), Activation.TANH, 3);
        Path model = exportOnnx(snapshotFile(ac, "Discrete-v0"));
        List<double[]> obs = observations(5, 300, 9);
        Map<String, Object> out = onnx(model, obs);

        long[] actions = (long[]) out.get("action");
        float[][] logits = (float[][]) out.get("logits");
        float[][] values = (float[][]) out.get("value");
        Workspace ws = ac.workspace(1);
        double[] action = new double[1];
        double[] logp = new double[1];
        double[] value = new double[1];
        int[] seen = new int[4];
        int close = 0;
        for (int i = 0; i < obs.size(); i++) {
            ac.act(obs.get(i), 1, null, true, action, logp, value, ws);
            assertEquals(value[0], values[i][0], 1e-4 * Math.max(1, Math.abs(value[0])), "value " + i);
            float[] l = logits[i].clone();
            java.util.Arrays.sort(l);
            if (l[3] - l[2] < 1e-4) {
                close++; // float32 may break a near tie the other way
                continue;
            }
            assertEquals((long) action[0], actions[i], "observation " + i);
            seen[(int) action[0]]++;
        }
        assertTrue(close < 3, "near ties: " + close);
        assertTrue(java.util.Arrays.stream(seen).filter(c -> c > 0).count() >= 3, java.util.Arrays.toString(seen));

        ActionSpace.Box box = new ActionSpace.Box(new double[] {-1.0, -2.0}, new double[] {1.0, 0.5});
        ActorCritic cont = policy(3, box, Activation.RELU, 4);
        Map<String, Object> c = onnx(exportOnnx(snapshotFile(cont, "Box-v0")), observations(3, 100, 10));
        float[][] act = (float[][]) c.get("action");
        float[][] mean = (float[][]) c.get("mean");
        double[] mu = new double[2];
        Workspace cws = cont.workspace(1);
        int clipped = 0;
        List<double[]> cobs = observations(3, 100, 10);
        for (int i = 0; i < cobs.size(); i++) {
            cont.act(cobs.get(i), 1, null, true, mu, logp, value, cws);
            for (int k = 0; k < 2; k++) {
                double expected = Math.max(box.low()[k], Math.min(box.high()[k], mu[k]));
                clipped += expected != mu[k] ? 1 : 0;
                assertEquals(mu[k], mean[i][k], 1e-4 * Math.max(1, Math.abs(mu[k])), "mean " + i);
                assertEquals(expected, act[i][k], 1e-4 * Math.max(1, Math.abs(expected)), "action " + i);
            }
        }
        assertTrue(clipped > 0 && clipped < 200, "some actions are clipped and some not: " + clipped);
    }

    @Test
    void evalDoesNotRunACommandNamedBySnapshotUnlessGivenWithEnv() throws Exception {
        Path marker = tmp.resolve("ran");
        ActorCritic ac = policy(4, new ActionSpace.Discrete(2), Activation.TANH, 5);
        Path file = snapshotFile(ac, "process:touch " + marker);
        CommandLine cmd = Main.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(Main.EXIT_USAGE, cmd.execute("eval", "--policy", file.toString(), "--episodes", "1"));
        assertTrue(err.toString().contains("trpo does not run commands named by a snapshot; give it with --env"),
                err.toString());
        assertTrue(!Files.exists(marker), "the snapshot's command ran");
    }

    @Test
    void aFileThatIsNotASnapshotIsAUserError() throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.avro"), "not avro");
        CommandLine cmd = Main.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(Main.EXIT_USAGE, cmd.execute("export", "--policy", junk.toString()));
        assertTrue(err.toString().contains("is not a policy snapshot"), err.toString());
    }
}
