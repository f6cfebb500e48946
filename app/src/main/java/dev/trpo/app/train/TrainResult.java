package dev.trpo.app.train;

import java.util.Locale;
import java.util.Map;

import dev.trpo.connectors.eval.PolicyEvaluator;

/**
 * What a training run produced: the run folder, its summary and the final evaluation (null when the environment failed
 * during it; the summary's {@code final_eval_error} says why).
 */
public record TrainResult(RunFolder folder, Map<String, Object> summary, PolicyEvaluator.Result eval, boolean ok,
                          java.util.List<CurvePoint> curve) {
    /** A result without its curve (no curve row in the table). */
    public TrainResult(RunFolder folder, Map<String, Object> summary, PolicyEvaluator.Result eval, boolean ok) {
        this(folder, summary, eval, ok, java.util.List.of());
    }

    /** The results table printed at the end of a run. */
    public String table() {
        String[][] rows = {
            {"env", str("env")},
            {"seed", str("seed")},
            {"steps trained", str("total_steps")},
            {"policy version", str("policy_version") + (summary.get("resumed_from_version") == null ? ""
                    : " (resumed from " + str("resumed_from_version") + ")")},
            {"episodes", str("episodes")},
            {"wall time", String.format(Locale.ROOT, "%.1f s", ((Number) summary.get("wall_seconds")).doubleValue())},
            {"env steps / s", String.format(Locale.ROOT, "%,.0f", ((Number) summary.get("env_steps_per_second")).doubleValue())},
            {"train return (last 100)", str("final_train_mean_return_100")},
            {"return(100) curve", Sparkline.of(curve.stream().map(CurvePoint::meanReturn100).toList(), 32)},
            {"final eval (" + summary.get("final_eval_episodes") + " det.)", eval == null
                    ? (str("final_eval_error").startsWith("not run") ? "" : "failed: ") + str("final_eval_error")
                    : String.format(Locale.ROOT, "%.1f +/- %.1f", eval.mean(), eval.std())
                        + dev.trpo.app.eval.EvalCommand.successText(eval)},
            {"best eval (version " + str("best_eval_version") + ")", str("best_eval_mean")},
            summary.get("threshold") == null
                    ? new String[] {"steps to threshold", "- (none: give --target-return)"}
                    : new String[] {"steps to threshold " + str("threshold"), str("steps_to_threshold")},
            {"rejected updates", str("rejected_updates")},
            {"stopped because", str("stop_reason")},
        };
        return table(rows);
    }

    /** {@code rows} of (label, value) as a two-column table; long values wrap. */
    public static String table(String[][] rows) {
        StringBuilder sb = new StringBuilder();
        int w = 0;
        int v = 32;
        for (String[] r : rows) {
            w = Math.max(w, r[0].length());
            v = Math.max(v, Math.min(r[1].length(), MAX_VALUE_WIDTH));
        }
        String line = "+" + "-".repeat(w + 2) + "+" + "-".repeat(v + 2) + "+";
        sb.append(line).append('\n');
        for (String[] r : rows) {
            String label = r[0];
            for (String part : wrap(r[1], v)) {
                sb.append(String.format(Locale.ROOT, "| %-" + w + "s | %-" + v + "s |%n", label, part));
                label = "";
            }
        }
        sb.append(line);
        return sb.toString();
    }

    /** The widest value column; longer values (a long environment id, a stop reason) wrap onto further lines. */
    static final int MAX_VALUE_WIDTH = 72;

    /** {@code text} in lines of at most {@code width} characters, broken at spaces where it can be. */
    static java.util.List<String> wrap(String text, int width) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        String rest = text;
        while (rest.length() > width) {
            int cut = rest.lastIndexOf(' ', width);
            if (cut <= 0) {
                cut = width;
            }
            lines.add(rest.substring(0, cut));
            rest = rest.substring(cut).stripLeading();
        }
        lines.add(rest);
        return lines;
    }

    private String str(String key) {
        Object v = summary.get(key);
        return v == null ? "-" : v.toString();
    }
}
