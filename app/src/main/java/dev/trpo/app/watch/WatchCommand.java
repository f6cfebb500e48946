package dev.trpo.app.watch;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.app.cli.UsageException;
import dev.trpo.app.train.CurvePoint;
import dev.trpo.app.train.RunFolder;
import dev.trpo.app.train.TrainResult;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.EpisodeSummary;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.RecordDecodingException;
import dev.trpo.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trpo watch --run-id R}: how a run that is going on elsewhere (deployed with the Helm chart, or a {@code trpo
 * train --bootstrap-servers} on another machine) is doing, read from its topics: a line per new policy version, and
 * the run's table at the end; {@code --run-dir} also writes its learning curve (CSV and plot). It only reads, with no
 * consumer group, so it can be started and stopped at any time without touching the run. With no new version for
 * {@code --stall-after}, it says what still moves on the run's topics ({@link StallWatch}).
 */
@Command(name = "watch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Follow a run from its topics: policy versions, steps, episode returns.",
            "Reads trpo.<run-id>.policy-history and .episodes from the beginning (read only, no consumer group), prints a "
                + "line per new version until interrupted (or --once, --until-version), then the run's table; "
                + "--run-dir writes its curve.csv and curve.png."})
public final class WatchCommand implements Callable<Integer> {
    /** Plain lines are printed at most this often when versions come faster. */
    private static final long LINE_INTERVAL_NANOS = 2_000_000_000L;
    /** How often a run without a new version is looked at (two end-offset requests). */
    private static final long STALL_CHECK_NANOS = 5_000_000_000L;
    private static final AvroSerde<PolicySnapshot> SNAPSHOTS = AvroSerde.of(PolicySnapshot.class);
    private static final AvroSerde<EpisodeSummary> SUMMARIES = AvroSerde.of(EpisodeSummary.class);

    @Option(names = "--run-id", required = true, defaultValue = "${env:TRPO_RUN_ID}", description = "The run to follow (env TRPO_RUN_ID).")
    String runId;

    @Option(names = "--once", description = "Read what the run has published so far, print its table and exit.")
    boolean once;

    @Option(names = "--until-version", paramLabel = "V", description = "Follow until version V is published, then print the table and exit.")
    Long untilVersion;

    @Option(names = "--run-dir", paramLabel = "D", description = "Write the run's learning curve there (curve.csv, curve.png) at the end.")
    Path runDir;

    @Option(names = "--overwrite", description = "Replace the run already in --run-dir.")
    boolean overwrite;

    @Option(names = "--timeout", defaultValue = "PT30S", description = "Give up reading what is already published (--once), or"
            + " waiting for the run's topics, after this long, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--stall-after", defaultValue = "PT30S", description = "With no new version for this long, print what moved"
            + " on the run's topics since the newest one and which part to look at; again every as long, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration stallAfter;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** Set by the shutdown hook (Ctrl-C): stop following, print the table, write the curve. */
    private volatile boolean interrupted;

    @Override
    public Integer call() throws Exception {
        if (runId == null || !Topics.RUN_ID.matcher(runId).matches()) {
            throw new UsageException("--run-id '" + runId + "' is invalid: use 1 to 100 letters, digits, '-' or '_'");
        }
        if (once && untilVersion != null) {
            throw new UsageException("give --once or --until-version, not both");
        }
        if (stallAfter.isNegative() || stallAfter.isZero()) {
            throw new UsageException("--stall-after " + stallAfter + " must be positive, e.g. PT30S");
        }
        RunFolder folder = runDir == null ? null : new RunFolder(runDir, overwrite);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            interrupted = true;
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "trpo-watch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            PrintWriter out = spec.commandLine().getOut();
            RunHistory history = follow(kafka.reachableClientProperties(), out);
            out.println(table(history));
            if (folder != null) {
                folder.writeCurve(history.envId(), curve(history), dev.trpo.app.train.TrainCommand.threshold(history.envId()));
                out.println("curve: " + folder.curveCsv().toAbsolutePath() + ", " + folder.curvePng().toAbsolutePath());
            }
            out.flush();
            return 0;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook above is what waited for this
            }
        }
    }

    /** Reads the run's topics until the end (--once), --until-version or an interrupt; prints a line per new version. */
    RunHistory follow(Map<String, Object> clientProps, PrintWriter out) {
        Topics topics = Topics.forRun(runId);
        String history = topics.policyHistory().name();
        String episodes = topics.episodes().name();
        String dlq = topics.dlq().name();
        Map<String, Object> props = new HashMap<>(clientProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        RunHistory run = new RunHistory();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(history, episodes)) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
                if (infos == null || infos.isEmpty()) {
                    throw new UsageException("run " + runId + " has no topic " + topic + ": check --run-id and the cluster"
                            + " (./trpo topics create, or the chart's topic job, creates them)");
                }
                infos.forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            }
            // the dead letters and the other topics' ends only add to the stalled? line: a user who may read
            // policy-history and episodes alone still follows the run
            List<TopicPartition> letters = new ArrayList<>(partitionsOrNone(consumer, dlq));
            List<TopicPartition> flowing = new ArrayList<>();
            for (String topic : List.of(topics.transitions().name(), topics.segments().name())) {
                flowing.addAll(partitionsOrNone(consumer, topic));
            }
            List<TopicPartition> assigned = new ArrayList<>(parts);
            assigned.addAll(letters);
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            StallWatch stall = new StallWatch(stallAfter);
            long nextCheck = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
            long lastLine = System.nanoTime() - LINE_INTERVAL_NANOS; // the first version is printed at once
            long printed = Long.MIN_VALUE;
            boolean atEnd = false;
            while (!interrupted) {
                try {
                    absorb(consumer.poll(Duration.ofMillis(200)), run, topics, stall);
                } catch (org.apache.kafka.common.errors.TopicAuthorizationException e) {
                    if (letters.isEmpty() || !e.unauthorizedTopics().contains(dlq)) {
                        throw e;
                    }
                    letters.clear(); // no Read on the dead letters: follow without them
                    consumer.assign(parts);
                    continue;
                }
                if (!atEnd) {
                    atEnd = end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                    if (!atEnd && once && System.nanoTime() > deadline) {
                        throw new UsageException("timed out after " + timeout.toSeconds() + " s reading run " + runId
                                + "'s topics; give a longer --timeout");
                    }
                    if (!atEnd) {
                        continue; // the history so far is read before anything is printed
                    }
                }
                RunHistory.Version newest = run.newest();
                if (once) {
                    break;
                }
                if (System.nanoTime() >= nextCheck) {
                    nextCheck = System.nanoTime() + Math.min(STALL_CHECK_NANOS, stallAfter.toNanos());
                    var line = stall.check(newest == null ? null : newest.version(), newest == null ? 0 : newest.createdAtMs(),
                            flowingOffsets(consumer, flowing, topics), System.currentTimeMillis());
                    if (line.isPresent()) {
                        out.println(line.get());
                        out.flush();
                    }
                }
                if (newest != null && newest.version() > printed) {
                    // the episodes the new version's batch finished were committed before it: read them first
                    readToEnd(consumer, List.copyOf(parts), run, topics, stall);
                    newest = run.newest();
                    long now = System.nanoTime();
                    boolean last = untilVersion != null && newest.version() >= untilVersion;
                    if (last || now - lastLine >= LINE_INTERVAL_NANOS) {
                        out.println(line(run.at(newest)));
                        out.flush();
                        lastLine = now;
                        printed = newest.version();
                    }
                    if (last) {
                        break;
                    }
                }
            }
        }
        if (run.newest() == null) {
            throw new UsageException("run " + runId + " has published no policy yet");
        }
        return run;
    }

    /** The partitions of {@code topic}, or none when this user may not describe it. */
    private List<TopicPartition> partitionsOrNone(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (org.apache.kafka.common.errors.AuthorizationException e) {
            return List.of();
        }
    }

    /**
     * The committed ends of the transitions and the segments topics (read_committed: their last stable offsets), or
     * null when they cannot be read.
     */
    private static StallWatch.Offsets flowingOffsets(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> flowing,
                                                     Topics topics) {
        if (flowing.isEmpty()) {
            return null;
        }
        Map<TopicPartition, Long> ends;
        try {
            ends = consumer.endOffsets(flowing);
        } catch (org.apache.kafka.common.KafkaException e) {
            return null;
        }
        long transitions = 0;
        long segments = 0;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (e.getKey().topic().equals(topics.transitions().name())) {
                transitions += e.getValue();
            } else {
                segments += e.getValue();
            }
        }
        return new StallWatch.Offsets(transitions, segments);
    }

    /**
     * Adds the snapshots of {@code history} and the episode summaries among {@code records} to {@code run}, and the
     * dead letters to {@code stall}.
     */
    private static void absorb(Iterable<ConsumerRecord<byte[], byte[]>> records, RunHistory run, Topics topics,
                               StallWatch stall) {
        String history = topics.policyHistory().name();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.topic().equals(topics.dlq().name())) {
                Header reason = r.headers().lastHeader(DlqHeaders.REASON);
                stall.deadLetter(r.timestamp(), reason == null ? null : new String(reason.value(), StandardCharsets.UTF_8));
                continue;
            }
            try {
                if (r.topic().equals(history)) {
                    run.add(SNAPSHOTS.decode(r.value()));
                } else {
                    run.add(SUMMARIES.decode(r.value()));
                }
            } catch (RecordDecodingException e) {
                // not this project's record (another writer on the topic): nothing to show for it
            }
        }
    }

    private void readToEnd(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts, RunHistory run,
                           Topics topics, StallWatch stall) {
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline
                && end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            absorb(consumer.poll(Duration.ofMillis(100)), run, topics, stall);
        }
    }

    static String line(RunHistory.Point p) {
        RunHistory.Version v = p.version();
        return String.format(Locale.ROOT, "v%d  steps %,d  episodes %,d  return(10) %s  return(100) %s  rejected %d  stale %,d",
                v.version(), v.totalSteps(), p.episodes(), fmt(p.meanReturn10()), fmt(p.meanReturn100()),
                v.rejectedUpdates(), v.staleSamplesDropped());
    }

    String table(RunHistory run) {
        RunHistory.Version newest = run.newest();
        RunHistory.Point p = run.at(newest);
        List<RunHistory.Version> all = run.versions();
        RunHistory.Version first = all.get(0);
        double minutes = (newest.createdAtMs() - first.createdAtMs()) / 60_000.0;
        long ago = Math.max(0, System.currentTimeMillis() - newest.createdAtMs()) / 1000;
        String[][] rows = {
            {"run", runId},
            {"env", run.envId()},
            {"policy version", newest.version() + " (published " + ago + " s ago)"},
            {"steps trained", String.format(Locale.ROOT, "%,d", newest.totalSteps())},
            {"episodes", String.format(Locale.ROOT, "%,d", p.episodes())},
            {"train return (last 10)", fmt(p.meanReturn10())},
            {"train return (last 100)", fmt(p.meanReturn100())},
            {"return(100) curve", dev.trpo.app.train.Sparkline.of(curve(run).stream()
                    .map(CurvePoint::meanReturn100).toList(), 32)},
            {"versions / minute", minutes > 0 ? String.format(Locale.ROOT, "%.1f", (newest.version() - first.version()) / minutes)
                    : "-"},
            {"rejected updates", String.valueOf(newest.rejectedUpdates())},
            {"stale samples dropped", String.format(Locale.ROOT, "%,d", newest.staleSamplesDropped())},
        };
        return TrainResult.table(rows);
    }

    /** One curve point per version read: its steps, its time since the first version read and its returns. */
    static List<CurvePoint> curve(RunHistory run) {
        List<CurvePoint> points = new ArrayList<>();
        List<RunHistory.Version> all = run.versions();
        long t0 = all.isEmpty() ? 0 : all.get(0).createdAtMs();
        for (RunHistory.Version v : all) {
            RunHistory.Point p = run.at(v);
            points.add(new CurvePoint(v.totalSteps(), (v.createdAtMs() - t0) / 1000.0, v.version(), p.episodes(),
                    p.meanReturn10(), p.meanReturn100(), Double.NaN, Double.NaN, Double.NaN, Double.NaN));
        }
        return points;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }
}
