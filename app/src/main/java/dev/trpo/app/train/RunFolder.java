package dev.trpo.app.train;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.trpo.app.cli.UsageException;

/**
 * Writes a run's results: {@code curve.csv}, {@code curve.png}, {@code policy.avro} (the final policy),
 * {@code best-policy.avro} (the best evaluated one) and {@code summary.json}.
 */
public final class RunFolder {
    /** What a run writes in its folder (and, while it runs on the embedded broker, the broker's and the streams' data). */
    static final List<String> RUN_FILES = List.of("summary.json", "policy.avro", "best-policy.avro", "curve.csv", "curve.png",
            "train.log", "kafka", "streams-state");

    private final Path dir;

    /** The folder, created if need be; one that holds a run already is refused (see {@link #RunFolder(Path, boolean)}). */
    public RunFolder(Path dir) {
        this(dir, false);
    }

    /**
     * The folder, created if need be. A folder that holds an earlier run's files is refused unless {@code overwrite},
     * which deletes them first: a run writing over another would otherwise leave the other's files that it does not
     * write itself (a best-policy.avro, say) looking like its own.
     */
    public RunFolder(Path dir, boolean overwrite) {
        this.dir = dir;
        List<String> earlier = RUN_FILES.stream().filter(f -> Files.exists(dir.resolve(f))).toList();
        if (!earlier.isEmpty() && !overwrite) {
            throw new UsageException("the run folder " + dir + " holds an earlier run (" + String.join(", ", earlier)
                    + "): choose another --run-dir, or add --overwrite to replace that run");
        }
        for (String f : earlier) {
            deleteTree(dir.resolve(f));
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            String why = e instanceof FileAlreadyExistsException ? "a file is in the way"
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "the file system refused it"
                    : e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getClass().getSimpleName();
            throw new UsageException("cannot create the run folder " + dir + " (" + why + "): choose another --run-dir");
        }
    }

    private static void deleteTree(Path path) {
        try (var paths = Files.walk(path)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UsageException("cannot replace the earlier run's " + path + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "): remove it, or choose another --run-dir");
        }
    }

    public Path dir() {
        return dir;
    }

    public Path curveCsv() {
        return dir.resolve("curve.csv");
    }

    public Path curvePng() {
        return dir.resolve("curve.png");
    }

    public Path policy() {
        return dir.resolve("policy.avro");
    }

    public Path bestPolicy() {
        return dir.resolve("best-policy.avro");
    }

    public Path summary() {
        return dir.resolve("summary.json");
    }

    /**
     * Writes the curve as CSV and as a PNG plot (training return against steps, the deterministic evaluations as
     * points, the threshold).
     */
    public void writeCurve(String envId, List<CurvePoint> curve, double threshold) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(CurvePoint.CSV_HEADER);
        curve.forEach(p -> lines.add(p.csv()));
        Files.write(curveCsv(), lines);

        XYChart chart = new XYChartBuilder().width(900).height(500).title("trpo " + envId)
                .xAxisTitle("environment steps").yAxisTitle("return").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(9); // only the evaluation series has markers
        List<Double> x = new ArrayList<>();
        List<Double> y100 = new ArrayList<>();
        List<Double> y10 = new ArrayList<>();
        for (CurvePoint p : curve) {
            if (!Double.isNaN(p.meanReturn100())) {
                x.add((double) p.step());
                y100.add(p.meanReturn100());
                y10.add(p.meanReturn10());
            }
        }
        if (x.isEmpty()) {
            x.add(0.0);
            y100.add(0.0);
            y10.add(0.0);
        }
        chart.addSeries("mean of last 10 episodes", x, y10).setMarker(SeriesMarkers.NONE);
        chart.addSeries("mean of last 100 episodes", x, y100).setMarker(SeriesMarkers.NONE);
        List<Double> ex = new ArrayList<>();
        List<Double> ey = new ArrayList<>();
        for (CurvePoint p : curve) {
            if (!Double.isNaN(p.evalMean())) {
                ex.add((double) p.step());
                ey.add(p.evalMean());
            }
        }
        if (!ex.isEmpty()) {
            XYSeries e = chart.addSeries("deterministic evaluation", ex, ey);
            e.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            e.setMarker(SeriesMarkers.DIAMOND);
        }
        if (!Double.isNaN(threshold)) {
            XYSeries t = chart.addSeries("threshold " + threshold, List.of(x.get(0), x.get(x.size() - 1)), List.of(threshold, threshold));
            t.setMarker(SeriesMarkers.NONE);
        }
        // ImageIO's default file cache registers a shutdown hook per stream, which fails while the JVM is shutting
        // down, and a run stopped by Ctrl-C writes its plot then: encode in memory instead
        ImageIO.setUseCache(false);
        BitmapEncoder.saveBitmap(chart, curvePng().toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    public void writePolicy(byte[] snapshot) throws IOException {
        Files.write(policy(), snapshot);
    }

    public void writeBestPolicy(byte[] snapshot) throws IOException {
        Files.write(bestPolicy(), snapshot);
    }

    public void writeSummary(Map<String, Object> summary) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(summary().toFile(), summary);
    }
}
