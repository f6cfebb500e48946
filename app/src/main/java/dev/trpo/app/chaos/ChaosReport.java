package dev.trpo.app.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.trpo.app.chaos.KillPlan.Target;

/**
 * The outcome of one {@code trpo chaos} invocation: the run's kills with their recovery times, what the topics
 * hold, the comparison with the uninterrupted run, and every check, as a table and as JSON.
 *
 * @param settings   the interrupted run
 * @param outcome    its kills, recoveries and unplanned exits
 * @param audit      what its topics hold
 * @param baseline   the uninterrupted run's audit, or null when it was not run here
 * @param baselinePolicy the uninterrupted run's blanked final policy, or null when there is none to compare with
 * @param checks     every check, run and audit, in order
 */
record ChaosReport(ChaosSettings settings, PipelineRun.Outcome outcome, TopicAudit.Result audit, TopicAudit.Result baseline,
                   byte[] baselinePolicy, List<TopicAudit.Check> checks) {

    /** The checks that failed, by name. */
    List<String> failed() {
        return checks.stream().filter(c -> !c.passed()).map(TopicAudit.Check::name).toList();
    }

    /** Median and maximum recovery of each kind of kill, in seconds (NaN when none recovered). */
    Map<Target, double[]> recoveryByTarget() {
        Map<Target, double[]> out = new LinkedHashMap<>();
        for (Target t : Target.values()) {
            double[] r = outcome.kills().stream().filter(k -> k.target() == t && k.recovered())
                    .mapToDouble(PipelineRun.Kill::recoverySeconds).sorted().toArray();
            out.put(t, r);
        }
        return out;
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    static double max(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    /** Whether the final policies are byte-identical; null when there was nothing to compare. */
    Boolean policyIdentical() {
        if (baselinePolicy == null || audit.finalPolicy() == null) {
            return null;
        }
        return Arrays.equals(baselinePolicy, audit.finalPolicy());
    }

    /** Prints the table. */
    void print(PrintStream out) {
        out.printf(Locale.ROOT, "trpo chaos: %s seed %d, %d actors x %d steps per version, %d versions, kills %s (%.0f s)%n",
                settings.envId(), settings.seed(), settings.actors(), settings.stepsPerVersion(), settings.versions(),
                settings.plan(), outcome.seconds());
        out.printf(Locale.ROOT, "%-10s %6s %10s %11s %9s%n", "kill", "kills", "recovered", "median s", "max s");
        int killed = 0;
        for (Map.Entry<Target, double[]> e : recoveryByTarget().entrySet()) {
            long kills = outcome.kills().stream().filter(k -> k.target() == e.getKey()).count();
            if (kills == 0 && settings.plan().count(e.getKey()) == 0) {
                continue;
            }
            killed += kills;
            out.printf(Locale.ROOT, "%-10s %6d %10d %11s %9s%n", e.getKey().label(), kills, e.getValue().length,
                    seconds(median(e.getValue())), seconds(max(e.getValue())));
        }
        out.printf(Locale.ROOT, "%-10s %6d of %d planned%n", "all kinds", killed, outcome.killsPlanned());
        out.println("totals");
        out.printf(Locale.ROOT, "  %-22s %d of %d (0..%d)%n", "versions", audit.versions(), settings.versions() + 1L, settings.versions());
        out.printf(Locale.ROOT, "  %-22s %d of %d%n", "samples", audit.samples(), audit.expectedSamples());
        out.printf(Locale.ROOT, "  %-22s %d%n", "lost", audit.lost());
        out.printf(Locale.ROOT, "  %-22s %d%n", "duplicated", audit.duplicated());
        out.printf(Locale.ROOT, "  %-22s %d (%d steps of version %d past the target, not checked)%n", "segment steps",
                audit.segmentSteps(), audit.transitionsPastTarget(), settings.versions());
        out.printf(Locale.ROOT, "  %-22s %s%n", "dead letters", audit.deadLettersByReason().isEmpty() ? "0"
                : audit.deadLettersByReason().toString());
        Boolean identical = policyIdentical();
        out.printf(Locale.ROOT, "  %-22s %s%n", "final policy identical", identical == null ? "not compared"
                : (identical ? "yes" : "no") + " (sha256 " + abbreviated(audit.finalPolicy()) + " vs "
                        + abbreviated(baselinePolicy) + ", blanked " + String.join(", ", TopicAudit.BLANKED_SNAPSHOT_FIELDS) + ")");
        if (baseline != null) {
            out.printf(Locale.ROOT, "  %-22s %s%n", "transitions identical",
                    baseline.transitionsDigest().equals(audit.transitionsDigest()) ? "yes" : "no");
        }
        out.printf(Locale.ROOT, "  %-22s %d%n", "unplanned exits", outcome.unplannedExits().size());
        for (PipelineRun.UnplannedExit u : outcome.unplannedExits()) {
            out.printf(Locale.ROOT, "    %s (start %d) exit %d at version %d: %s%n", u.component(), u.start(), u.exitCode(),
                    u.versionAt(), u.logTail().isEmpty() ? "" : u.logTail().get(u.logTail().size() - 1));
        }
        for (String note : outcome.notes()) {
            out.println("  note: " + note);
        }
        out.println("checks");
        for (TopicAudit.Check c : checks) {
            out.printf(Locale.ROOT, "  %s %-22s %s%n", c.passed() ? "PASS" : "FAIL", c.name(), c.detail());
        }
    }

    /** Writes the report as JSON. */
    void write(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("env", settings.envId());
        json.put("seed", settings.seed());
        json.put("actors", settings.actors());
        json.put("steps_per_version", settings.stepsPerVersion());
        json.put("versions", settings.versions());
        json.put("kills_plan", settings.plan().toString());
        json.put("run_id", settings.runId());
        json.put("seconds", outcome.seconds());
        Map<String, Object> byKind = new LinkedHashMap<>();
        for (Map.Entry<Target, double[]> e : recoveryByTarget().entrySet()) {
            long kills = outcome.kills().stream().filter(k -> k.target() == e.getKey()).count();
            if (kills == 0 && settings.plan().count(e.getKey()) == 0) {
                continue;
            }
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("planned", settings.plan().count(e.getKey()));
            k.put("kills", kills);
            k.put("recovered", e.getValue().length);
            k.put("median_recovery_s", finite(median(e.getValue())));
            k.put("max_recovery_s", finite(max(e.getValue())));
            byKind.put(e.getKey().label(), k);
        }
        json.put("recovery", byKind);
        List<Map<String, Object>> kills = new ArrayList<>();
        for (PipelineRun.Kill k : outcome.kills()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", k.target().label());
            m.put("version_at_kill", k.versionAtKill());
            m.put("down_s", k.downSeconds());
            m.put("version_at_restart", k.versionAtRestart());
            m.put("recovery_s", finite(k.recoverySeconds()));
            m.put("recovered_version", k.recoveredVersion());
            kills.add(m);
        }
        json.put("kills", kills);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("versions", audit.versions());
        totals.put("samples", audit.samples());
        totals.put("expected_samples", audit.expectedSamples());
        totals.put("lost", audit.lost());
        totals.put("duplicated", audit.duplicated());
        totals.put("segment_steps", audit.segmentSteps());
        totals.put("transitions_past_target", audit.transitionsPastTarget());
        totals.put("dead_letters_by_reason", audit.deadLettersByReason());
        totals.put("final_policy_identical", policyIdentical());
        totals.put("final_policy_sha256", audit.finalPolicy() == null ? null : TopicAudit.sha256(audit.finalPolicy()));
        totals.put("baseline_policy_sha256", baselinePolicy == null ? null : TopicAudit.sha256(baselinePolicy));
        totals.put("blanked_fields", TopicAudit.BLANKED_SNAPSHOT_FIELDS);
        totals.put("transitions_identical", baseline == null ? null
                : baseline.transitionsDigest().equals(audit.transitionsDigest()));
        json.put("totals", totals);
        List<Map<String, Object>> exits = new ArrayList<>();
        for (PipelineRun.UnplannedExit u : outcome.unplannedExits()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("component", u.component());
            m.put("start", u.start());
            m.put("exit_code", u.exitCode());
            m.put("version_at", u.versionAt());
            m.put("log_tail", u.logTail());
            exits.add(m);
        }
        json.put("unplanned_exits", exits);
        json.put("process_starts", outcome.starts());
        json.put("stopped_on_sigterm", outcome.stoppedOnSigterm());
        json.put("notes", outcome.notes());
        List<Map<String, Object>> checkList = new ArrayList<>();
        for (TopicAudit.Check c : checks) {
            checkList.add(new LinkedHashMap<>(Map.of("name", c.name(), "passed", c.passed(), "detail", c.detail())));
        }
        json.put("checks", checkList);
        json.put("failed", failed());
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static String seconds(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String abbreviated(byte[] bytes) {
        return bytes == null ? "none" : TopicAudit.sha256(bytes).substring(0, 12);
    }
}
