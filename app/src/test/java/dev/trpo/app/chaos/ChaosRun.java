package dev.trpo.app.chaos;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.function.Executable;

/** A {@code trpo chaos} run with its uninterrupted baseline, for the tests: the report and where to look on failure. */
record ChaosRun(ChaosReport report, Map<String, TopicAudit.Check> checks, String where) {
    /** Checks every harness run makes, by name; a check missing from the report fails too. */
    static final List<String> CHECKS = List.of("baseline completed", "baseline no-unplanned-exits", "baseline policies",
            "baseline transitions", "baseline segments", "baseline dead-letters", "completed", "kills", "no-unplanned-exits",
            "policies", "transitions", "segments", "dead-letters", "final-policy", "transitions-identical");

    /** Runs the baseline and then {@code settings}, the progress and the table going to {@code dir/progress.log}. */
    static ChaosRun of(ChaosSettings settings, Path dir) throws Exception {
        Path progress = dir.resolve("progress.log");
        ChaosReport report;
        try (PrintStream out = new PrintStream(Files.newOutputStream(progress), true, StandardCharsets.UTF_8)) {
            report = ChaosCommand.evaluate(settings, true, null, out);
            report.print(out);
        }
        return new ChaosRun(report, report.checks().stream().collect(Collectors.toMap(TopicAudit.Check::name,
                Function.identity())), " (run folder " + dir + ", table in " + progress + ")");
    }

    /** Every check of {@link #CHECKS} was made and passed. */
    void assertEveryCheckPassed() {
        assertAll(CHECKS.stream().<Executable>map(name -> () -> {
            TopicAudit.Check c = checks.get(name);
            assertTrue(c != null && c.passed(), () -> name + ": " + (c == null ? "not made" : c.detail()) + where);
        }));
    }
}
