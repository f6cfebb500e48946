package dev.trpo.connectors.env;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes traces as JSON lines in the golden format: {@code env_id}, {@code episode},
 * {@code max_episode_steps}, {@code initial_state}, {@code initial_obs}, {@code actions} (an int per step for a
 * discrete action, a list of floats for a continuous one) and {@code steps}. On input only {@code env_id},
 * {@code initial_state} and {@code actions} are required.
 */
public final class TraceCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TraceCodec() {
    }

    /**
     * @return every trace of a JSON-lines file, blank lines skipped
     * @throws IOException              when the file cannot be read
     * @throws IllegalArgumentException naming the file and line when a line is not a valid trace
     */
    public static List<Trace> readAll(Path file) throws IOException {
        List<Trace> traces = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    traces.add(parse(line, traces.size()));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + ": not JSON: "
                            + e.getOriginalMessage(), e);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + lineNumber + ": " + e.getMessage(), e);
                }
            }
        }
        return traces;
    }

    /** Parses one line; {@code defaultEpisode} is used when the line has no {@code episode}. */
    static Trace parse(String line, int defaultEpisode) throws JsonProcessingException {
        JsonNode root = MAPPER.readTree(line);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String envId = required(root, "env_id").asText();
        int episode = root.has("episode") ? root.get("episode").asInt() : defaultEpisode;
        int maxSteps = root.has("max_episode_steps") ? root.get("max_episode_steps").asInt() : 0;
        double[] initialState = doubles(required(root, "initial_state"), "initial_state");
        double[] initialObs = root.has("initial_obs") ? doubles(root.get("initial_obs"), "initial_obs") : null;
        List<double[]> actions = new ArrayList<>();
        JsonNode actionsNode = required(root, "actions");
        if (!actionsNode.isArray()) {
            throw new IllegalArgumentException("'actions' must be a list");
        }
        for (JsonNode a : actionsNode) {
            actions.add(action(a));
        }
        List<TraceStep> steps = new ArrayList<>();
        if (root.has("steps")) {
            for (JsonNode s : root.get("steps")) {
                steps.add(new TraceStep(required(s, "t").asInt(), doubles(required(s, "state"), "state"),
                        action(required(s, "action")), required(s, "reward").asDouble(),
                        doubles(required(s, "next_state"), "next_state"), doubles(required(s, "obs"), "obs"),
                        required(s, "terminated").asBoolean(), required(s, "truncated").asBoolean()));
            }
        }
        return new Trace(envId, episode, maxSteps, initialState, initialObs, actions, steps);
    }

    /** @return the trace as one JSON line (no trailing newline), with discrete actions written as ints */
    public static String toJsonLine(Trace trace, boolean discrete) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("env_id", trace.envId());
        root.put("episode", trace.episode());
        root.put("max_episode_steps", trace.maxEpisodeSteps());
        root.set("initial_state", array(trace.initialState()));
        root.set("initial_obs", array(trace.initialObs()));
        ArrayNode actions = root.putArray("actions");
        for (double[] a : trace.actions()) {
            actions.add(actionNode(a, discrete));
        }
        root.put("n_steps", trace.steps().size());
        ArrayNode steps = root.putArray("steps");
        for (TraceStep s : trace.steps()) {
            ObjectNode step = steps.addObject();
            step.put("t", s.t());
            step.set("state", array(s.state()));
            step.set("action", actionNode(s.action(), discrete));
            step.put("reward", s.reward());
            step.set("next_state", array(s.nextState()));
            step.set("obs", array(s.obs()));
            step.put("terminated", s.terminated());
            step.put("truncated", s.truncated());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree that was just built", e);
        }
    }

    /**
     * Parses a command-line action list: steps separated by commas, the values of one continuous action by
     * colons ({@code 1,0,1} or {@code 0.5,-2} or {@code 0.1:0.2,0.3:0.4}).
     *
     * @throws IllegalArgumentException naming the offending element when one is not a number or has the
     *                                  wrong number of values
     */
    public static List<double[]> parseActions(String text, int actionDim) {
        List<double[]> actions = new ArrayList<>();
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return actions;
        }
        String[] steps = trimmed.split(",");
        for (int t = 0; t < steps.length; t++) {
            String[] parts = steps[t].strip().split(":");
            if (parts.length != actionDim) {
                throw new IllegalArgumentException("action " + t + " '" + steps[t].strip() + "' has " + parts.length
                        + " values, the action space has " + actionDim);
            }
            double[] a = new double[actionDim];
            for (int j = 0; j < actionDim; j++) {
                try {
                    a[j] = Double.parseDouble(parts[j].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("action " + t + " '" + steps[t].strip() + "' is not a number");
                }
            }
            actions.add(a);
        }
        return actions;
    }

    /**
     * Parses a comma-separated list of numbers (an initial state on the command line).
     *
     * @throws IllegalArgumentException naming the element that is not a number
     */
    public static double[] parseNumbers(String text) {
        String[] parts = text.strip().split(",");
        double[] values = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                values[i] = Double.parseDouble(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[i].strip() + "' is not a number");
            }
        }
        return values;
    }

    private static JsonNode actionNode(double[] action, boolean discrete) {
        return discrete ? MAPPER.getNodeFactory().numberNode((int) action[0]) : array(action);
    }

    private static ArrayNode array(double[] values) {
        ArrayNode node = MAPPER.createArrayNode();
        for (double v : values) {
            node.add(v);
        }
        return node;
    }

    private static JsonNode required(JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return value;
    }

    private static double[] action(JsonNode node) {
        if (node.isNumber()) {
            return new double[] {node.asDouble()};
        }
        return doubles(node, "action");
    }

    private static double[] doubles(JsonNode node, String key) {
        if (!node.isArray()) {
            throw new IllegalArgumentException("'" + key + "' must be a list of numbers");
        }
        double[] values = new double[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isNumber()) {
                throw new IllegalArgumentException("'" + key + "'[" + i + "] is not a number: " + v);
            }
            values[i] = v.asDouble();
        }
        return values;
    }
}
