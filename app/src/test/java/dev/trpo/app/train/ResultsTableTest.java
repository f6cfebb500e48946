package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.trpo.connectors.eval.PolicyEvaluator;

/** The results table stays a rectangle of bounded width whatever its values. */
class ResultsTableTest {
    private static String table(String env, String stopReason) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("env", env);
        s.put("seed", 1);
        s.put("total_steps", 2048);
        s.put("policy_version", 1);
        s.put("episodes", 12);
        s.put("wall_seconds", 3.25);
        s.put("env_steps_per_second", 630.0);
        s.put("final_train_mean_return_100", 20.5);
        s.put("final_eval_episodes", 2);
        s.put("stop_reason", stopReason);
        PolicyEvaluator.Result eval = new PolicyEvaluator.Result(env, new double[] {10, 12}, new int[] {10, 12});
        return new TrainResult(null, s, eval, true).table();
    }

    @Test
    void shortValuesKeepTheUsualWidth() {
        List<String> lines = table("CartPole-v1", "total steps reached").lines().toList();
        assertEquals(1, lines.stream().mapToInt(String::length).distinct().count(), String.join("\n", lines));
        assertTrue(lines.get(0).length() < 80, lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.contains("| steps to threshold      | - (none: give --target-return)")),
                String.join("\n", lines));
    }

    @Test
    void aLongValueWrapsAtSpacesInsteadOfWideningTheTable() {
        String reason = "stalled: no new version for 60 s after 1430 transitions were dead-lettered to trpo.x.dlq (check"
                + " the environment with ./trpo env check --env 'process:python3 /a/very/long/path/to/the/simulator.py"
                + " --with --flags'; train.log has the reasons)";
        String env = "process:python3 /" + "x".repeat(100) + "/sim.py";
        List<String> lines = table(env, reason).lines().toList();
        assertEquals(1, lines.stream().mapToInt(String::length).distinct().count(), String.join("\n", lines));
        int width = lines.get(0).length();
        assertTrue(width <= 2 + 23 + 3 + TrainResult.MAX_VALUE_WIDTH + 2, "width " + width);
        String joined = String.join(" ", lines.stream()
                .filter(l -> l.startsWith("| stopped because") || l.startsWith("|                         |"))
                .map(l -> l.substring(l.indexOf('|', 1) + 1, l.length() - 1).strip()).toList());
        assertTrue(joined.contains(reason), "the reason survives the wrapping: " + joined);
    }
}
