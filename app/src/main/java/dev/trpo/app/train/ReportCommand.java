package dev.trpo.app.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.trpo.app.cli.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code trpo report runs/...}: several runs side by side (seeds, settings), as a table with a summary line per
 * environment, and their learning curves overlaid in one plot per environment.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare finished runs: a table of their results and their curves in one plot per environment.",
            "Each FOLDER is a run folder (it holds summary.json) or a folder of run folders, such as runs/."})
public final class ReportCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(paramLabel = "FOLDER", arity = "1..*", description = "Run folders, or folders that hold them.")
    List<Path> folders;

    @Option(names = "--plot-dir", paramLabel = "D", description = "Write <env>.png there: every run's mean return of the"
            + " last 100 episodes against the steps.")
    Path plotDir;

    @Spec
    CommandSpec spec;

    /** A run folder's summary and curve. */
    record Run(Path dir, JsonNode summary, List<double[]> curve) {
        String env() {
            return summary.path("env").asText("?");
        }

        double finalEval() {
            JsonNode n = summary.path("final_eval_mean");
            return n.isNumber() ? n.asDouble() : Double.NaN;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Run> runs = new ArrayList<>();
        for (Path f : folders) {
            if (!Files.isDirectory(f)) {
                throw new UsageException(f + " is not a folder: give run folders (they hold summary.json) or folders of them");
            }
            List<Path> dirs = Files.isRegularFile(f.resolve("summary.json")) ? List.of(f) : children(f);
            for (Path d : dirs) {
                try {
                    runs.add(read(d));
                } catch (IOException e) {
                    err.println("trpo report: skipped " + d + ": its summary.json cannot be read (" + e.getMessage()
                            .lines().findFirst().orElse("") + ")");
                }
            }
        }
        if (runs.isEmpty()) {
            throw new UsageException("no run folder (one that holds summary.json) in " + folders);
        }
        out.println(table(runs));
        if (plotDir != null) {
            Files.createDirectories(plotDir);
            for (Map.Entry<String, List<Run>> e : byEnv(runs).entrySet()) {
                Path png = plotDir.resolve(e.getKey().replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
                plot(e.getKey(), e.getValue(), png);
                out.println("plot: " + png.toAbsolutePath());
            }
        }
        out.flush();
        return 0;
    }

    private static List<Path> children(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(d -> Files.isRegularFile(d.resolve("summary.json"))).sorted().toList();
        }
    }

    static Run read(Path dir) throws IOException {
        JsonNode summary = JSON.readTree(dir.resolve("summary.json").toFile());
        if (summary == null || !summary.isObject()) {
            throw new IOException("not a JSON object");
        }
        List<double[]> curve = new ArrayList<>();
        Path csv = dir.resolve("curve.csv");
        if (Files.isRegularFile(csv)) {
            List<String> lines = Files.readAllLines(csv);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] cells = line.split(",", -1);
                if (cells.length > 5 && !cells[5].isEmpty()) {
                    curve.add(new double[] {Double.parseDouble(cells[0]), Double.parseDouble(cells[5])});
                }
            }
        }
        return new Run(dir, summary, curve);
    }

    private static Map<String, List<Run>> byEnv(List<Run> runs) {
        Map<String, List<Run>> m = new TreeMap<>();
        runs.forEach(r -> m.computeIfAbsent(r.env(), k -> new ArrayList<>()).add(r));
        return m;
    }

    /** A row per run, then per environment: the runs' mean and std of the final evaluation and how many reached the threshold. */
    static String table(List<Run> runs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"run", "env", "seed", "steps", "version", "final eval", "best eval", "steps to threshold",
            "wall s", "stopped because"});
        for (Map.Entry<String, List<Run>> e : byEnv(runs).entrySet()) {
            for (Run r : e.getValue()) {
                JsonNode s = r.summary();
                rows.add(new String[] {r.dir().getFileName().toString(), r.env(), s.path("seed").asText("-"),
                    s.path("total_steps").asText("-"), s.path("policy_version").asText("-"),
                    Double.isNaN(r.finalEval()) ? "-" : String.format(Locale.ROOT, "%.1f +/- %.1f", r.finalEval(),
                            s.path("final_eval_std").asDouble()),
                    s.path("best_eval_mean").isNumber() ? String.format(Locale.ROOT, "%.1f@v%d",
                            s.path("best_eval_mean").asDouble(), s.path("best_eval_version").asLong()) : "-",
                    s.path("steps_to_threshold").isNumber() ? s.path("steps_to_threshold").asText() : "-",
                    s.path("wall_seconds").isNumber() ? String.format(Locale.ROOT, "%.1f", s.path("wall_seconds").asDouble())
                            : "-",
                    shorten(s.path("stop_reason").asText("-"), 40)});
            }
        }
        StringBuilder sb = new StringBuilder(grid(rows));
        for (Map.Entry<String, List<Run>> e : byEnv(runs).entrySet()) {
            sb.append('\n').append(summaryLine(e.getKey(), e.getValue()));
        }
        return sb.toString();
    }

    static String summaryLine(String env, List<Run> runs) {
        List<Double> evals = runs.stream().map(Run::finalEval).filter(d -> !Double.isNaN(d)).toList();
        String line = env + ": " + runs.size() + (runs.size() == 1 ? " run" : " runs");
        if (evals.isEmpty()) {
            return line + ", no final evaluation";
        }
        double mean = evals.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = evals.stream().mapToDouble(d -> (d - mean) * (d - mean)).average().orElseThrow();
        line += String.format(Locale.ROOT, ", final eval %.1f +/- %.1f (mean +/- std over %d)", mean, Math.sqrt(var),
                evals.size());
        double threshold = threshold(env, runs);
        if (!Double.isNaN(threshold)) {
            double t = threshold;
            line += String.format(Locale.ROOT, ", %d of %d at %s or more", evals.stream().filter(d -> d >= t).count(),
                    evals.size(), new java.math.BigDecimal(Double.toString(t)).stripTrailingZeros().toPlainString());
        }
        return line;
    }

    /** The built-in task's threshold, else the one the runs were given (--target-return), else NaN. */
    private static double threshold(String env, List<Run> runs) {
        double threshold = TrainCommand.threshold(env);
        JsonNode given = runs.get(0).summary().path("threshold");
        return Double.isNaN(threshold) && given.isNumber() ? given.asDouble() : threshold;
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** Rows as a table with a header rule, columns as wide as their widest cell. */
    private static String grid(List<String[]> rows) {
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            for (int i = 0; i < r.length; i++) {
                sb.append(i == 0 ? "" : "  ").append(String.format(Locale.ROOT, "%-" + w[i] + "s", r[i]));
            }
            sb.setLength(sb.toString().stripTrailing().length()); // no padding after the last column
            sb.append('\n');
            if (k == 0) {
                for (int i = 0; i < r.length; i++) {
                    sb.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
                }
                sb.append('\n');
            }
        }
        return sb.toString().stripTrailing();
    }

    private static void plot(String env, List<Run> runs, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(500).title("trpo " + env + ": " + runs.size() + " runs")
                .xAxisTitle("environment steps").yAxisTitle("mean return of the last 100 episodes").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Run r : runs) {
            if (r.curve().isEmpty()) {
                continue;
            }
            List<Double> x = r.curve().stream().map(p -> p[0]).toList();
            List<Double> y = r.curve().stream().map(p -> p[1]).toList();
            String name = r.dir().getFileName().toString();
            int n = seen.merge(name, 1, Integer::sum); // XChart needs distinct series names
            chart.addSeries(n == 1 ? name : name + " (" + n + ")", x, y).setMarker(SeriesMarkers.NONE);
        }
        if (seen.isEmpty()) {
            chart.addSeries("no curve.csv", List.of(0.0), List.of(0.0)).setMarker(SeriesMarkers.NONE);
        } else if (!Double.isNaN(threshold(env, runs))) {
            double last = runs.stream().flatMap(r -> r.curve().stream()).mapToDouble(p -> p[0]).max().orElse(1);
            double t = threshold(env, runs);
            chart.addSeries("threshold " + t, List.of(0.0, last), List.of(t, t)).setMarker(SeriesMarkers.NONE);
        }
        ImageIO.setUseCache(false); // see RunFolder: no file cache (and its shutdown hook)
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
