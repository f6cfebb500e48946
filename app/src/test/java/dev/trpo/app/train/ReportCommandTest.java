package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.app.Cli;
import dev.trpo.app.Main;

/** {@code trpo report} over run folders written as {@code trpo train} writes them. */
class ReportCommandTest {
    @TempDir
    Path tmp;

    private static Cli.Result run(String... args) {
        return Cli.run(args);
    }

    /** A run folder with a summary and a two-point curve, through RunFolder as trpo train writes it. */
    private Path runFolder(String name, String env, int seed, double finalEval, double lastReturn) throws Exception {
        RunFolder folder = new RunFolder(tmp.resolve("runs").resolve(name));
        folder.writeCurve(env, List.of(
                new CurvePoint(0, 0.5, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN),
                new CurvePoint(1024, 1.0, 1, 40, 22.0, 21.5, 0.009, 0.69, 0.1, Double.NaN),
                new CurvePoint(2048, 1.4, 2, 70, 35.0, lastReturn, 0.008, 0.68, 0.3, finalEval)), 475);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("env", env);
        s.put("seed", seed);
        s.put("total_steps", 2048);
        s.put("wall_seconds", 3.25);
        s.put("policy_version", 2);
        s.put("final_eval_mean", finalEval);
        s.put("final_eval_std", 1.5);
        s.put("best_eval_mean", finalEval);
        s.put("best_eval_version", 2);
        s.put("steps_to_threshold", null);
        s.put("stop_reason", "total steps reached");
        folder.writeSummary(s);
        return folder.dir();
    }

    @Test
    void runsAreTabledSummarisedPerEnvironmentAndPlottedTogether() throws Exception {
        runFolder("cp-s1", "CartPole-v1", 1, 500.0, 480.0);
        runFolder("cp-s2", "CartPole-v1", 2, 400.0, 300.0);
        Path pendulum = runFolder("pend-s1", "Pendulum-v1", 1, -150.0, -180.0);
        Path broken = tmp.resolve("runs").resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("summary.json"), "{\"env\": ");

        // a folder of runs and a run folder named on its own (listed once each)
        Cli.Result r = run("report", tmp.resolve("runs").toString(), "--plot-dir", tmp.resolve("plots").toString());

        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("run      env          seed  steps  version  final eval"), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("cp-s2    CartPole-v1  2     2048   2        400.0 +/- 1.5")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("pend-s1  Pendulum-v1")), r.out());
        assertTrue(r.out().contains("CartPole-v1: 2 runs, final eval 450.0 +/- 50.0 (mean +/- std over 2), 1 of 2 at 475 or"
                + " more"), r.out());
        assertTrue(r.out().contains("Pendulum-v1: 1 run, final eval -150.0 +/- 0.0 (mean +/- std over 1), 1 of 1 at -200 or"
                + " more"), r.out());
        assertTrue(r.err().contains("skipped " + broken + ": its summary.json cannot be read"), r.err());
        for (String env : List.of("CartPole-v1", "Pendulum-v1")) {
            var image = ImageIO.read(tmp.resolve("plots").resolve(env + ".png").toFile());
            assertEquals(900, image.getWidth(), env);
        }

        Cli.Result one = run("report", pendulum.toString());
        assertEquals(0, one.code(), one.err());
        assertEquals(1, one.out().lines().filter(l -> l.startsWith("pend-s1")).count(), one.out());
    }

    @Test
    void aFolderWithoutRunsIsNamedInOneLine() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        Cli.Result r = run("report", tmp.resolve("empty").toString());
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("no run folder (one that holds summary.json) in [" + tmp.resolve("empty") + "]"), r.err());
        Cli.Result missing = run("report", tmp.resolve("nothing-here").toString());
        assertEquals(Main.EXIT_USAGE, missing.code(), missing.err());
        assertTrue(missing.err().contains("is not a folder"), missing.err());
    }
}
