package dev.trpo.app.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code trpo debug trpo-step} on the golden categorical file, to the golden README's tolerances. */
class TrpoStepCommandTest {
    private static final double GRAD_TOL = 1e-12;
    private static final double STEP_TOL = 1e-10;
    private static final double LINE_SEARCH_TOL = 1e-12;
    private static final double PARAMS_TOL = 1e-10;

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new TrpoStepCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path golden() throws Exception {
        Path file = dir.resolve("trpo_step_categorical.json");
        try (InputStream in = getClass().getResourceAsStream("/golden/trpo_step_categorical.json")) {
            assertNotNull(in, "golden file on the test classpath");
            Files.copy(in, file);
        }
        return file;
    }

    private static void assertArray(JsonNode expected, JsonNode actual, double tol, String what) {
        assertNotNull(actual, what + " present");
        assertEquals(expected.size(), actual.size(), what + " length");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).asDouble(), actual.get(i).asDouble(), tol, what + "[" + i + "]");
        }
    }

    @Test
    void reproducesTheGoldenCategoricalStep() throws Exception {
        Path file = golden();
        JsonNode expected = new ObjectMapper().readTree(file.toFile()).get("results");

        Run r = run("--input", file.toString());

        assertEquals(0, r.exit(), r.err());
        JsonNode actual = new ObjectMapper().readTree(r.out());
        assertArray(expected.get("g"), actual.get("g"), GRAD_TOL, "g");
        assertArray(expected.get("Fv"), actual.get("Fv"), GRAD_TOL, "Fv");
        assertArray(expected.get("cg_x"), actual.get("cg_x"), STEP_TOL, "cg_x");
        Iterator<Map.Entry<String, JsonNode>> variants = expected.get("variants").fields();
        int seen = 0;
        while (variants.hasNext()) {
            Map.Entry<String, JsonNode> e = variants.next();
            JsonNode want = e.getValue();
            JsonNode got = actual.get("variants").get(e.getKey());
            assertNotNull(got, e.getKey());
            assertEquals(want.get("beta").asDouble(), got.get("beta").asDouble(), LINE_SEARCH_TOL, e.getKey());
            assertEquals(want.get("line_search").size(), got.get("line_search").size(), e.getKey() + " tries");
            for (int k = 0; k < want.get("line_search").size(); k++) {
                JsonNode w = want.get("line_search").get(k);
                JsonNode a = got.get("line_search").get(k);
                for (String key : new String[] {"coef", "surrogate", "kl_old_new", "kl_new_old"}) {
                    assertEquals(w.get(key).asDouble(), a.get(key).asDouble(), LINE_SEARCH_TOL, key);
                }
                assertEquals(w.get("accepted").asBoolean(), a.get("accepted").asBoolean());
            }
            assertEquals(want.get("accepted_iteration").asInt(), got.get("accepted_iteration").asInt());
            assertArray(want.get("theta_new"), got.get("theta_new"), PARAMS_TOL, e.getKey() + " theta_new");
            seen++;
        }
        assertEquals(2, seen);
    }

    @Test
    void aMissingFileIsOneLineAndExitTwo() {
        Run r = run("--input", dir.resolve("absent.json").toString());

        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void aMalformedFileIsOneLineAndExitTwo() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"kind\": \"categorical\", \"architecture\": {\"obs_dim\": 4}}");

        Run r = run("--input", bad.toString());

        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("architecture.hidden"), r.err());
    }

    @Test
    void invalidJsonIsOneLineAndExitTwo() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{not json");

        Run r = run("--input", bad.toString());

        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
