package dev.trpo.app.chaos;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.trpo.app.cli.UsageException;
import dev.trpo.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trpo chaos}: a real sync training run as separate OS processes, SIGKILLed on a seeded schedule, then audited
 * from its topics: every version once, every step once in the transitions and once in the segments, nothing
 * dead-lettered, and (with {@code --compare} or {@code --baseline}) a final policy byte-identical to an uninterrupted
 * run's. Exit code 0 when every check passes, 1 naming the failed ones otherwise.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fault injection: SIGKILL the pipeline's processes, prove nothing was lost.",
            "Runs broker, trainer, stream processors and connector as separate processes, kills and restarts them on a "
                + "seeded schedule, and checks from the topics that no step was lost or duplicated and that the final "
                + "policy equals an uninterrupted run's."})
public final class ChaosCommand implements Callable<Integer> {
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Option(names = "--env", required = true, description = "The environment id, e.g. CartPole-v1.")
    String envId;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the run and of the kill schedule (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--actors", defaultValue = "2", description = "Actors of the connector (default ${DEFAULT-VALUE}).")
    int actors;

    @Option(names = "--steps-per-version", defaultValue = "256",
            description = "Steps each actor takes under one version; the trainer's batch is actors x this (default ${DEFAULT-VALUE}).")
    int stepsPerVersion;

    @Option(names = "--versions", defaultValue = "30", description = "The trainer stops after publishing this version (default ${DEFAULT-VALUE}).")
    int versions;

    @Option(names = "--kills", defaultValue = "none",
            description = "What to SIGKILL how often: target:count,... with targets connector, streams, trainer, all, broker"
                    + " and streams-lost (one of several instances, restarted only after a version without it); or none"
                    + " (default ${DEFAULT-VALUE}).")
    String kills;

    @Option(names = "--connectors", defaultValue = "1",
            description = "Connector processes; the actors are split among them with --first-actor (default ${DEFAULT-VALUE}).")
    int connectors;

    @Option(names = "--streams-instances", defaultValue = "1",
            description = "Stream-processor processes, each with its own --instance-id (default ${DEFAULT-VALUE}).")
    int streamsInstances;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions of the transitions, segments, episodes and dlq topics, as trpo train (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder of the run(s): broker data, stream state, logs/<component>-<n>.log (default: a new folder under the temp dir, kept).")
    Path dataDir;

    @Option(names = "--run-id", description = "Run id of the interrupted run (default chaos-s<seed>; the uninterrupted one adds -baseline).")
    String runId;

    @Option(names = "--compare", description = "Run the uninterrupted baseline first (same seed, --kills none) and compare with it.")
    boolean compare;

    @Option(names = "--baseline", paramLabel = "FILE",
            description = "Compare the final policy with this one (the final-policy.avro another chaos run wrote).")
    Path baselineFile;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the report as JSON here.")
    Path report;

    @Option(names = "--recovery-timeout", defaultValue = "300s",
            description = "How long a restart may take to yield a new policy version before the run counts as stalled (default ${DEFAULT-VALUE}).")
    String recoveryTimeout;

    @Option(names = "--broker-down-time", defaultValue = "3s",
            description = "A killed broker stays down a random time up to this before its restart; the other processes"
                    + " must wait it out (default ${DEFAULT-VALUE}; the other components: up to 3 s).")
    String brokerDownTime;

    @Option(names = "--timeout", defaultValue = "2h", description = "Longest a run may take (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws Exception {
        if (compare && baselineFile != null) {
            throw new UsageException("--compare runs its own baseline: leave out --baseline, or --compare");
        }
        byte[] baselinePolicy = null;
        if (baselineFile != null) {
            if (!Files.isReadable(baselineFile)) {
                throw new UsageException("--baseline " + baselineFile + ": no readable file there");
            }
            baselinePolicy = Files.readAllBytes(baselineFile);
        }
        Path dir = dataDir != null ? dataDir : Files.createTempDirectory("trpo-chaos-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-");
        String id = runId != null ? runId : "chaos-s" + seed;
        ChaosSettings settings;
        try {
            settings = new ChaosSettings(id, envId, seed, actors, stepsPerVersion, versions, partitions, KillPlan.parse(kills),
                    compare ? dir.resolve("chaos") : dir, duration("--recovery-timeout", recoveryTimeout),
                    duration("--timeout", timeout), connectors, streamsInstances,
                    duration("--broker-down-time", brokerDownTime));
            Topics.forRun(id + "-baseline");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (Files.exists(settings.dir().resolve("broker")) || compare && Files.exists(dir.resolve("baseline"))) {
            throw new UsageException("--data-dir " + dir + " holds an earlier run: choose a new folder");
        }
        dev.trpo.app.trainer.TrainerCommand.envSpec(envId); // an unknown environment is a usage error, before any process
        PrintStream err = System.err;
        err.println("chaos: run folder " + dir);

        ChaosReport result = evaluate(settings, compare, baselinePolicy, err);
        result.print(System.out);
        if (report != null) {
            result.write(report);
        }
        List<String> failed = result.failed();
        if (!failed.isEmpty()) {
            err.println("trpo chaos: failed checks: " + String.join(", ", failed) + " (logs in " + dir + ")");
            return 1;
        }
        return 0;
    }

    /**
     * Runs the uninterrupted baseline when {@code compare} (in the folder beside {@code settings.dir()}), then the
     * interrupted run, audits both and compares them.
     *
     * @param baselinePolicy a blanked final policy to compare with, or null (ignored when {@code compare})
     * @param progress       where one line per event goes
     */
    static ChaosReport evaluate(ChaosSettings settings, boolean compare, byte[] baselinePolicy, PrintStream progress)
            throws Exception {
        List<TopicAudit.Check> checks = new ArrayList<>();
        TopicAudit.Result baseline = null;
        if (compare) {
            ChaosSettings uninterrupted = settings.uninterrupted(settings.runId() + "-baseline", settings.dir().resolveSibling("baseline"));
            progress.println("chaos: uninterrupted run " + uninterrupted.runId());
            Run b = execute(uninterrupted, progress);
            baseline = b.audit();
            baselinePolicy = baseline.finalPolicy();
            for (TopicAudit.Check c : b.checks()) {
                checks.add(new TopicAudit.Check("baseline " + c.name(), c.passed(), c.detail()));
            }
        }
        progress.println("chaos: run " + settings.runId() + " with kills " + settings.plan());
        Run run = execute(settings, progress);
        checks.addAll(run.checks());
        if (baselinePolicy != null) {
            boolean same = run.audit().finalPolicy() != null && java.util.Arrays.equals(baselinePolicy, run.audit().finalPolicy());
            checks.add(new TopicAudit.Check("final-policy", same, (same ? "byte-identical" : "differs") + " to the uninterrupted"
                    + " run's version " + settings.versions() + " (Avro PolicySnapshot, " + String.join(" and ", TopicAudit.BLANKED_SNAPSHOT_FIELDS)
                    + " blanked, maps in key order; " + firstDifference(baselinePolicy, run.audit().finalPolicy()) + ")"));
        }
        if (baseline != null) {
            boolean same = baseline.transitionsDigest().equals(run.audit().transitionsDigest());
            checks.add(new TopicAudit.Check("transitions-identical", same, (same ? "the same" : "not the same")
                    + " committed transitions of versions 0.." + (settings.versions() - 1) + " as the uninterrupted run ("
                    + String.join(" and ", TopicAudit.BLANKED_TRANSITION_FIELDS) + " blanked)"));
        }
        return new ChaosReport(settings, run.outcome(), run.audit(), baseline, baselinePolicy, List.copyOf(checks));
    }

    /** One run and its audit, and the checks of both. */
    private record Run(PipelineRun.Outcome outcome, TopicAudit.Result audit, List<TopicAudit.Check> checks) {
    }

    private static Run execute(ChaosSettings settings, PrintStream progress) throws Exception {
        try (PipelineRun run = new PipelineRun(settings, progress)) {
            PipelineRun.Outcome outcome = run.run();
            TopicAudit.Result audit = TopicAudit.audit(run.bootstrapServers(), Topics.forRun(settings.runId()),
                    settings.actors(), settings.stepsPerVersion(), settings.versions());
            Files.write(settings.dir().resolve("final-policy.avro"), audit.finalPolicy() == null ? new byte[0] : audit.finalPolicy());
            List<TopicAudit.Check> checks = new ArrayList<>();
            checks.add(new TopicAudit.Check("completed", outcome.stall() == null && outcome.targetReached(),
                    outcome.stall() == null ? "version " + settings.versions() + " published in " + Math.round(outcome.seconds()) + " s"
                            : outcome.stall()));
            long recovered = outcome.kills().stream().filter(PipelineRun.Kill::recovered).count();
            checks.add(new TopicAudit.Check("kills", outcome.kills().size() == outcome.killsPlanned() && recovered == outcome.killsPlanned(),
                    outcome.kills().size() + " of " + outcome.killsPlanned() + " planned kills made, " + recovered + " recovered"));
            checks.add(new TopicAudit.Check("no-unplanned-exits", outcome.unplannedExits().isEmpty(),
                    outcome.unplannedExits().isEmpty() ? "no component exited unless stopped"
                            : outcome.unplannedExits().size() + " exits: " + outcome.unplannedExits().stream()
                                    .map(u -> u.component() + "-" + u.start() + " (code " + u.exitCode() + ")").toList()));
            checks.addAll(audit.checks());
            return new Run(outcome, audit, checks);
        }
    }

    private static String firstDifference(byte[] a, byte[] b) {
        if (b == null) {
            return "no version to compare";
        }
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return "first difference at byte " + i + " of " + a.length + " and " + b.length;
            }
        }
        return a.length == b.length ? a.length + " bytes" : "lengths " + a.length + " and " + b.length;
    }

    /** 500ms, 90s, 2m, 1h; a bare number is seconds. */
    static Duration duration(String option, String value) {
        Matcher m = SIMPLE_DURATION.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UsageException(option + " " + value + " is not a duration: use e.g. 90s, 5m, 2h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
