package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

class RunReportingTest {
    @TempDir
    Path tmp;

    @Test
    void theReturnWindowAveragesOnlyTheLastEpisodes() {
        ReturnWindow w = new ReturnWindow(3);
        assertTrue(Double.isNaN(w.mean()));
        w.add(1);
        w.add(2);
        assertEquals(1.5, w.mean());
        w.add(3);
        w.add(10);
        assertEquals(5.0, w.mean(), 1e-12);
        assertTrue(w.full());
    }

    @Test
    void plainProgressPrintsAtIntervalsAndAlwaysWhenForced() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 10_000);
        p.update(1_000, 3, 1, 25.0, 0.009, false);
        p.update(2_000, 5, 2, 30.0, 0.008, false);
        p.update(10_000, 40, 10, 200.0, 0.007, true);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), "one line at the start, then only the forced one within 5 s: " + lines);
        assertTrue(lines.get(1).startsWith("progress 100% steps 10,000/10,000  episodes 40  v10  return(100) 200.0  kl 0.0070"),
                lines.get(1));
    }

    @Test
    void theRunFolderHoldsACurveAPlotAndASummary() throws Exception {
        RunFolder folder = new RunFolder(tmp.resolve("run"));
        List<CurvePoint> curve = List.of(
                new CurvePoint(0, 0.5, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN),
                new CurvePoint(1024, 1.0, 1, 40, 22.0, 21.5, 0.009, 0.69, 0.1, Double.NaN),
                new CurvePoint(2048, 1.4, 2, 70, 35.0, 28.0, 0.008, 0.68, 0.3, 41.5));

        folder.writeCurve("CartPole-v1", curve, 475);
        folder.writeSummary(Map.of("env", "CartPole-v1", "final_eval_mean", 500.0));

        List<String> csv = Files.readAllLines(folder.curveCsv());
        assertEquals(CurvePoint.CSV_HEADER, csv.get(0));
        assertEquals(4, csv.size());
        assertTrue(csv.get(1).startsWith("0,0.500000,0,0,,"), "NaN is written as an empty cell: " + csv.get(1));
        assertTrue(csv.get(3).startsWith("2048,1.40000,2,70,35.0000,28.0000"), csv.get(3));
        assertTrue(csv.get(2).endsWith(","), "no evaluation at version 1: " + csv.get(2));
        assertTrue(csv.get(3).endsWith(",41.5000"), "the evaluation at version 2: " + csv.get(3));
        var image = ImageIO.read(folder.curvePng().toFile());
        assertEquals(900, image.getWidth());
        assertEquals(500, image.getHeight());
        assertEquals(500.0, new ObjectMapper().readTree(folder.summary().toFile()).get("final_eval_mean").asDouble());
    }

    @Test
    void overwritingARunFolderRemovesEveryFileOfTheEarlierRunAndNothingElse() throws Exception {
        Path dir = tmp.resolve("again");
        Files.createDirectories(dir.resolve("kafka").resolve("meta"));
        Files.writeString(dir.resolve("kafka").resolve("meta").resolve("log"), "x");
        Files.writeString(dir.resolve("best-policy.avro"), "an earlier run's best");
        Files.writeString(dir.resolve("summary.json"), "{}");
        Files.writeString(dir.resolve("notes.txt"), "the user's own");

        RunFolder folder = new RunFolder(dir, true);

        assertEquals(dir, folder.dir());
        for (String f : RunFolder.RUN_FILES) {
            assertTrue(!Files.exists(dir.resolve(f)), f + " of the earlier run is gone");
        }
        assertEquals("the user's own", Files.readString(dir.resolve("notes.txt")));
        assertTrue(Files.exists(new RunFolder(tmp.resolve("fresh"), false).dir()), "a new folder needs no --overwrite");
    }
}
