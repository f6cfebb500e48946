package dev.trpo.app.train;

import java.util.Locale;
import java.util.Map;

import dev.trpo.connectors.eval.PolicyEvaluator;

/** What a training run produced: the run folder, its summary and the final evaluation. */
public record TrainResult(RunFolder folder, Map<String, Object> summary, PolicyEvaluator.Result eval, boolean ok) {
    /** The results table printed at the end of a run. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        String[][] rows = {
            {"env", str("env")},
            {"seed", str("seed")},
            {"steps trained", str("total_steps")},
            {"policy version", str("policy_version")},
            {"episodes", str("episodes")},
            {"wall time", String.format(Locale.ROOT, "%.1f s", ((Number) summary.get("wall_seconds")).doubleValue())},
            {"env steps / s", String.format(Locale.ROOT, "%,.0f", ((Number) summary.get("env_steps_per_second")).doubleValue())},
            {"train return (last 100)", str("final_train_mean_return_100")},
            {"final eval (" + summary.get("final_eval_episodes") + " det.)", String.format(Locale.ROOT, "%.1f +/- %.1f", eval.mean(), eval.std())},
            {"best eval (version " + str("best_eval_version") + ")", str("best_eval_mean")},
            summary.get("threshold") == null
                    ? new String[] {"steps to threshold", "- (none: give --target-return)"}
                    : new String[] {"steps to threshold " + str("threshold"), str("steps_to_threshold")},
            {"rejected updates", str("rejected_updates")},
            {"stopped because", str("stop_reason")},
        };
        int w = 0;
        int v = 32;
        for (String[] r : rows) {
            w = Math.max(w, r[0].length());
            v = Math.max(v, r[1].length());
        }
        String line = "+" + "-".repeat(w + 2) + "+" + "-".repeat(v + 2) + "+";
        sb.append(line).append('\n');
        for (String[] r : rows) {
            sb.append(String.format(Locale.ROOT, "| %-" + w + "s | %-" + v + "s |%n", r[0], r[1]));
        }
        sb.append(line);
        return sb.toString();
    }

    private String str(String key) {
        Object v = summary.get(key);
        return v == null ? "-" : v.toString();
    }
}
