package dev.trpo.app.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EnvCommandTest {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new EnvCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void listShowsEveryBuiltInWithItsTimeLimit() {
        Run run = run("list");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("MountainCarContinuous-v0"), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("CartPole-v1") && l.endsWith("500")), run.out());
        // the connectors' test jar is a plug-in on this classpath (META-INF/services): its environment is listed too
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("LineWorld-v0") && l.endsWith("20")), run.out());
    }

    private static final Path PYTHON_DIR = Path.of("../connectors/python").toAbsolutePath().normalize();

    private static String processEnv(String script) {
        return "process:python3 " + Path.of("src/test/resources/process-env", script).toAbsolutePath() + " " + PYTHON_DIR;
    }

    @Test
    void checkPassesTheBuiltInAndTheExamplePythonCartPole() {
        Run builtIn = run("check", "--env", "CartPole-v1", "--episodes", "3", "--seed", "2");
        Run process = run("check", "--env", "process:python3 " + PYTHON_DIR.resolve("cartpole.py"), "--episodes", "3");

        for (Run r : List.of(builtIn, process)) {
            assertEquals(0, r.exitCode(), r.out() + r.err());
            assertTrue(r.out().contains("actions      Discrete(2)"), r.out());
            assertTrue(r.out().contains("time limit   500 steps"), r.out());
            assertEquals(3, r.out().lines().filter(l -> l.contains(" terminated ")).count(), r.out());
            assertEquals(3, r.out().lines().filter(l -> l.startsWith("ok ")).count(), r.out());
            assertTrue(r.out().contains("task         not judged"), r.out());
        }
    }

    @Test
    void checkShowsWhetherEachEpisodeAchievedTheTaskWhenTheEnvironmentSays() {
        Run r = run("check", "--env", "process:python3 " + Path.of("../connectors/src/test/resources/process-env/reaches.py")
                .toAbsolutePath().normalize() + " " + PYTHON_DIR, "--episodes", "8", "--seed", "4");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        long achieved = r.out().lines().filter(l -> l.endsWith(" terminated  achieved")).count();
        long failed = r.out().lines().filter(l -> l.endsWith(" time limit  failed")).count();
        assertEquals(8, achieved + failed, "every episode end of reaches.py is judged:\n" + r.out());
        assertTrue(r.out().contains("task         judged on 8 of 8 episode ends"), r.out());
    }

    @Test
    void checkFailsAnEnvironmentThatIgnoresItsSeed() {
        Run r = run("check", "--env", processEnv("unseeded.py"), "--episodes", "2");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL the same seed plays the same episode: the first observation after the reset"
                + " differs"), r.out());
        assertTrue(r.out().contains("ok   finite observations and rewards"), r.out());
    }

    @Test
    void checkFailsAnEnvironmentThatEmitsNaNAndSaysWhere() {
        Run r = run("check", "--env", processEnv("nan.py"), "--episodes", "2");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL finite observations and rewards: the observation after step 3 has NaN at index 0"),
                r.out());
        assertTrue(r.out().contains("ok   the same seed plays the same episode"), r.out());
        assertTrue(r.out().contains("actions      Discrete(3)"), r.out());
    }

    @Test
    void aTracePrintedWithoutCheckPassesWhenCheckedAndATamperedOneFails(@TempDir Path dir) throws IOException {
        Run traced = run("trace", "--env", "Pendulum-v1", "--seed", "4", "--steps", "20");
        assertEquals(0, traced.exitCode(), traced.err());
        Path good = Files.writeString(dir.resolve("good.jsonl"), traced.out());
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), traced.out().replaceFirst("\"reward\":-", "\"reward\":-1"));

        Run passed = run("trace", "--check", good.toString());
        Run failed = run("trace", "--check", bad.toString());

        assertEquals(0, passed.exitCode(), passed.out());
        assertTrue(passed.out().startsWith("PASS env=Pendulum-v1 episode=0 steps=20/20"), passed.out());
        assertEquals(1, failed.exitCode(), failed.out());
        assertTrue(failed.out().startsWith("FAIL"), failed.out());
    }

    @Test
    void badInputGivesOneErrorLineAndExitTwo(@TempDir Path dir) throws IOException {
        Path notJson = Files.writeString(dir.resolve("x.jsonl"), "<xml/>\n");
        for (String[] args : new String[][] {
                {"trace", "--env", "Nope-v0"},
                {"trace", "--env", "CartPole-v1", "--actions", "1,7"},
                {"trace", "--check", dir.resolve("missing.jsonl").toString()},
                {"trace", "--check", notJson.toString()},
                {"trace"}}) {
            Run run = run(args);
            assertEquals(2, run.exitCode(), String.join(" ", args));
            assertEquals(1, run.err().lines().count(), run.err());
            assertTrue(run.err().startsWith("error: "), run.err());
        }
    }
}
