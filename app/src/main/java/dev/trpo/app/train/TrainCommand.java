package dev.trpo.app.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.app.eval.EvalCommand;
import dev.trpo.app.eval.PeriodicEvaluation;
import dev.trpo.app.cli.MetricsOptions;
import dev.trpo.app.cli.PolicyKeyOptions;
import dev.trpo.app.cli.SigningKeyOptions;
import dev.trpo.app.cli.UsageException;
import dev.trpo.app.http.Observability;
import dev.trpo.app.kafka.KafkaAdmin;
import dev.trpo.app.trainer.TrainerCommand;
import dev.trpo.connectors.env.EnvironmentFailure;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.ProcessEnvironment;
import dev.trpo.connectors.eval.PolicyEvaluator;
import dev.trpo.connectors.runtime.ConnectorConfig;
import dev.trpo.connectors.runtime.ConnectorMode;
import dev.trpo.connectors.runtime.ConnectorRuntime;
import dev.trpo.kafka.embedded.EmbeddedKafka;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.EpisodeSummary;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.signing.SnapshotSigner;
import dev.trpo.schemas.signing.SnapshotVerifier;
import dev.trpo.streams.StreamsMeters;
import dev.trpo.streams.validation.DlqReason;
import dev.trpo.streams.StreamsService;
import dev.trpo.streams.StreamsSettings;
import dev.trpo.trainer.EnvSpec;
import dev.trpo.trainer.Hyperparameters;
import dev.trpo.trainer.TrainerMetrics;
import dev.trpo.trainer.TrainerMode;
import dev.trpo.trainer.TrainerService;
import dev.trpo.trainer.TrainerSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trpo train}: the whole pipeline in one JVM. Starts the embedded broker unless a cluster is named,
 * creates the run's topics, runs the trainer, the stream processors and a connector (the same classes as the
 * standalone commands), shows progress, then evaluates the final policy and writes the run folder.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train end to end in one JVM, on an embedded or a given Kafka.",
            "Starts an embedded Kafka broker (unless --bootstrap-servers), creates the topics, runs connector, stream "
                + "processors and trainer in one JVM, then evaluates the policy and writes the run folder."})
public final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);
    /** How long a signalled run may take to stop and write its folder before the JVM exits anyway. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(60);
    /** How long the target-return check and the run's end wait for the episode topic to be read to its end. */
    private static final Duration READ_TO_END = Duration.ofSeconds(10);
    static final String INTERRUPTED = "interrupted (Ctrl-C or SIGTERM)";
    /** Solved thresholds of the built-in tasks (the targets), used for steps-to-threshold and the plot. */
    static final Map<String, Double> THRESHOLDS = Map.of("CartPole-v1", 475.0, "Acrobot-v1", -100.0,
            "MountainCar-v0", -110.0, "Pendulum-v1", -200.0, "MountainCarContinuous-v0", 90.0);

    /** The solved threshold of a built-in task, or NaN. */
    public static double threshold(String envId) {
        return THRESHOLDS.getOrDefault(envId, Double.NaN);
    }

    @Option(names = "--env", description = "Environment id (see ./trpo env list), or process:<command> for one in a child process"
            + " (connectors/README.md); with --resume, the snapshot's unless it names a process.")
    String envId;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of everything random in the run (default 1; with --resume, the snapshot's).")
    Long seedOption;

    /** --seed, or its default. */
    private long seed;

    /** Set by the shutdown hook (Ctrl-C, SIGTERM): stop at the current version and write the folder. */
    private volatile boolean interrupted;

    @Option(names = "--total-steps", description = "Environment steps to train for (default: the preset's, 100000; MountainCarContinuous 50000);"
            + " with --resume, the steps to add.")
    Long totalSteps;

    @Option(names = "--target-return", description = "Stop once the deterministic evaluation return (5 episodes) reaches this.")
    Double targetReturn;

    @Option(names = "--actors", defaultValue = "2", description = "Environment instances (default ${DEFAULT-VALUE}, as the Zoo's n_envs); must divide the batch size.")
    int actors;

    @Option(names = "--partitions", defaultValue = "1", description = "Partitions of the transitions and segments topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "1",
            description = "Replicas of the run's topics and the stream processors' changelogs when --bootstrap-servers names a cluster (default ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Option(names = "--mode", defaultValue = "sync", description = "sync (on-policy, reproducible) or async (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--max-policy-lag", defaultValue = "1", description = "Async mode: oldest accepted sample version lag (default ${DEFAULT-VALUE}).")
    int maxPolicyLag;

    @Option(names = "--run-id", description = "Run id (default <env>-s<seed>-<time>); names the topics trpo.<run-id>.*")
    String runId;

    @Option(names = "--run-dir", description = "Folder for the results (default runs/<run-id>).")
    Path runDir;

    @Option(names = "--overwrite", description = "Replace the run already in --run-dir (without it, such a folder is refused).")
    boolean overwrite;

    @Option(names = "--config", paramLabel = "FILE", description = "Hyper-parameters as a properties file (trpo.trainer.* keys) over the env's preset.")
    Path config;

    @Option(names = "--eval-episodes", defaultValue = "20", description = "Deterministic episodes of the final evaluation (default ${DEFAULT-VALUE}).")
    int evalEpisodes;

    @Option(names = "--eval-every", defaultValue = "10", paramLabel = "N",
            description = "Evaluate every N-th version as the final evaluation does (--eval-episodes deterministic episodes), "
                    + "plot it and keep the best as best-policy.avro; 0 = only the final evaluation (default ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--timeout", defaultValue = "PT0S", description = "Stop after this long and keep what was trained, as"
            + " --total-steps does, ISO-8601, e.g. PT2H (default: no limit; a long run on robots or slow simulators is"
            + " not cut short).")
    Duration timeout;

    @Option(names = "--stall-timeout", defaultValue = "PT60S", description = "Stop when no new version has come for this long"
            + " while transitions of the current batch were dead-lettered (a batch missing them cannot complete), ISO-8601"
            + " (default ${DEFAULT-VALUE}).")
    Duration stallTimeout;

    @Option(names = "--resume", paramLabel = "FILE", description = "Go on training from a snapshot (a run folder's policy.avro or"
            + " best-policy.avro): its networks, critic optimiser, observation and reward statistics and counters.")
    Path resume;

    @Option(names = "--quiet", description = "No progress output; only the results table.")
    boolean quiet;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    SigningKeyOptions signing;

    @Mixin
    PolicyKeyOptions policyKey;

    @Override
    public Integer call() throws Exception {
        // Ctrl-C or SIGTERM (a container stopped): the run stops at its current version and writes its folder (policy,
        // curve, summary, table) before the JVM exits, instead of losing everything trained so far
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            interrupted = true;
            try {
                if (!finished.await(SHUTDOWN_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                    System.err.println("trpo train: the run did not finish writing its folder within " + SHUTDOWN_GRACE);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "trpo-train-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            TrainResult result = run();
            System.out.println(result.table());
            System.out.println("run folder: " + result.folder().dir().toAbsolutePath());
            return result.ok() ? 0 : 1;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook above is what waited for this
            }
        }
    }

    /**
     * The environment's part of a default run id: its id without punctuation (CartPole-v1 -> CartPolev1), for a
     * process environment the file name of its script, the first argument that looks like a path (process:python3
     * /sims/arm.py --fast -> arm; process:/usr/bin/my-sim -> mysim), at most 40 characters so
     * that the run's topic and Kafka Streams names stay well inside Kafka's 249.
     */
    static String runIdPrefix(String envId) {
        String name = envId;
        if (ProcessEnvironment.isProcessId(envId)) {
            name = ProcessEnvironment.programName(envId).replaceFirst("\\.[A-Za-z0-9]+$", "");
        }
        String clean = name.replaceAll("[^A-Za-z0-9]", "");
        clean = clean.isEmpty() ? "env" : clean;
        return clean.length() <= 40 ? clean : clean.substring(0, 40);
    }

    /**
     * Transitions the stream processors dead-lettered for a reason that keeps their step out of its batch: every
     * reason but a duplicate, whose original was taken.
     */
    private static long blockingDeadLetters(MeterRegistry registry) {
        return (long) registry.find(StreamsMeters.DLQ_RECORDS).counters().stream()
                .filter(c -> !DlqReason.DUPLICATE.code().equals(c.getId().getTag("reason")))
                .mapToDouble(c -> c.count()).sum();
    }

    /** Runs the training and writes the run folder (the command, and the tests, call this). */
    public TrainResult run() throws Exception {
        SnapshotSigner signer = signing.signer();
        SnapshotVerifier verifier = policyKey.verifier();
        if (verifier.active() && (signer == null ? verifier.requireSigned()
                : !verifier.keyIds().contains(signer.keyId()))) {
            // in one process the actors would refuse every version the trainer publishes, and the run would stall
            throw new UsageException("--policy-public-key does not verify what this run's trainer publishes: "
                    + (signer == null ? "with --require-signed-policies it needs --signing-key"
                    : "--signing-key is key " + signer.keyId() + ", the public key file holds " + verifier.keyIds()));
        }
        PolicySnapshot resumed = resume == null ? null : EvalCommand.read(resume);
        if (resumed != null) {
            if (envId == null && ProcessEnvironment.isProcessId(resumed.getEnvId())) {
                // a snapshot is data: the command it names runs only when the user gives it (as trpo eval does)
                throw new UsageException(resume + " was trained on " + resumed.getEnvId() + ": give that command with"
                        + " --env to run it");
            }
            if (envId != null && !envId.equals(resumed.getEnvId())) {
                throw new UsageException(resume + " was trained on " + resumed.getEnvId() + "; it cannot go on with --env "
                        + envId + " (leave --env out, or start a new run without --resume)");
            }
            envId = resumed.getEnvId();
        }
        seed = seedOption != null ? seedOption : resumed != null ? resumed.getResume().getSeed() : 1;
        if (envId == null) {
            throw new UsageException("--env is required: e.g. --env CartPole-v1 (./trpo env list shows them)");
        }
        if (!Environments.contains(envId)) {
            throw new UsageException("unknown environment '" + envId + "': one of " + String.join(", ", Environments.ids()));
        }
        TrainerMode trainerMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "sync" -> TrainerMode.SYNC;
            case "async" -> TrainerMode.ASYNC;
            default -> throw new UsageException("--mode " + mode + " is not one of sync, async");
        };
        if (partitions < 1 || partitions > 1000) {
            throw new UsageException("--partitions " + partitions + " is out of range: use 1 to 1000");
        }
        if (replicationFactor < 1) {
            throw new UsageException("--replication-factor must be >= 1, got " + replicationFactor);
        }
        if (evalEpisodes < 1) {
            throw new UsageException("--eval-episodes must be >= 1, got " + evalEpisodes);
        }
        if (timeout.isNegative()) {
            throw new UsageException("--timeout must be positive (or PT0S for no limit), got " + timeout);
        }
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new UsageException("--stall-timeout must be positive, got " + stallTimeout);
        }
        if (evalEvery < 0) {
            throw new UsageException("--eval-every must be >= 0 (0 = only the final evaluation), got " + evalEvery);
        }
        // a resumed run goes on with the hyper-parameters it was trained with, under --config's
        Map<String, String> overrides = new HashMap<>();
        if (resumed != null) {
            resumed.getHyperParameters().forEach((k, v) -> overrides.put(k.toString(), v.toString()));
        }
        overrides.putAll(TrainerCommand.readConfig(config));
        overrides.put(Hyperparameters.MODE, trainerMode.name().toLowerCase(Locale.ROOT));
        overrides.put(Hyperparameters.MAX_POLICY_LAG, String.valueOf(maxPolicyLag));
        Hyperparameters hp = Hyperparameters.forEnv(envId, overrides);
        if (actors < 1 || hp.batchSteps() % actors != 0) {
            throw new UsageException("--actors " + actors + " must divide the batch size " + hp.batchSteps()
                    + " (trpo.trainer.batch-steps), so each actor takes the same steps per version");
        }
        int stepsPerVersion = hp.batchSteps() / actors;
        long steps = totalSteps != null ? totalSteps : ("MountainCarContinuous-v0".equals(envId) ? 50_000 : 100_000);
        if (steps < hp.batchSteps()) {
            throw new UsageException("--total-steps " + steps + " is less than one batch (" + hp.batchSteps() + " steps)");
        }
        long versions = (steps + hp.batchSteps() - 1) / hp.batchSteps(); // this run's
        long trainedSteps = versions * hp.batchSteps();
        long startVersion = resumed == null ? 0 : resumed.getVersion();
        long lastVersion = startVersion + versions;
        String id = runId != null ? runId
                : runIdPrefix(envId) + "-s" + seed + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Topics topics = Topics.forRun(id);
        RunFolder folder = new RunFolder(runDir != null ? runDir : Path.of("runs", id), overwrite);
        EnvSpec spec = TrainerCommand.envSpec(envId);
        // a plug-in or process environment has no built-in threshold: its --target-return stands in
        double threshold = THRESHOLDS.getOrDefault(envId, targetReturn != null ? targetReturn : Double.NaN);

        long startNanos = System.nanoTime();
        EmbeddedKafka broker = null;
        boolean terminal = !quiet && Progress.stdoutIsTerminal();
        RunLog runLog = RunLog.start(folder.dir().resolve("train.log"), terminal || quiet);
        Observability obs = startObservability();
        PeriodicEvaluation evaluation = null;
        try {
            Map<String, Object> clientProps;
            if (kafka.bootstrapServers() == null) {
                broker = EmbeddedKafka.start(folder.dir().resolve("kafka"), 0);
                kafka.bootstrapServers(broker.bootstrapServers());
                LOG.info("embedded broker started bootstrap={} millis={}", broker.bootstrapServers(), broker.startMillis());
            }
            clientProps = broker == null ? kafka.reachableClientProperties() : kafka.clientProperties();
            try (Admin admin = Admin.create(KafkaAdmin.withTimeouts(clientProps))) {
                TopicProvisioner.createAll(admin, topics, partitions, replicationFactor);
            }
            if (broker != null && !quiet) {
                // the embedded broker's port is random: say it, or no one else can read the run while it goes on
                System.err.println("embedded broker at " + broker.bootstrapServers() + "; follow the run from another"
                        + " terminal: ./trpo watch --bootstrap-servers " + broker.bootstrapServers() + " --run-id " + id);
            }
            if (resumed != null) {
                // the trainer restores the newest snapshot of its run from the policies topic, as a restarted trainer
                // of a deployed run does
                publishSnapshot(clientProps, topics, PolicySnapshot.newBuilder(resumed).setRunId(id).build(), signer);
                LOG.info("resuming from {} version={} total_steps={}", resume, resumed.getVersion(),
                        resumed.getCounters().getTotalSteps());
            }
            MeterRegistry registry = obs.registry();
            TrainerService trainer = new TrainerService(
                    TrainerSettings.of(id, spec, hp, seed).withMaxVersions(lastVersion).withSigner(signer), clientProps,
                    registry);
            // The listener runs on the trainer thread right after the update's gauges are set, so the statistics
            // read here belong to this version (read later, they might already be the next update's).
            ConcurrentLinkedQueue<Published> published = new ConcurrentLinkedQueue<>();
            // the trainer's stall reports (a batch that does not fill: which actors, why), shown under the progress
            ConcurrentLinkedQueue<String> stallReports = new ConcurrentLinkedQueue<>();
            trainer.onStall(stallReports::add);
            trainer.onPublished(s -> published.add(new Published(s, gauge(registry, TrainerMetrics.KL),
                    gauge(registry, TrainerMetrics.ENTROPY), gauge(registry, TrainerMetrics.EXPLAINED_VARIANCE))));
            StreamsSettings streamsSettings = StreamsSettings.builder(id).envId(envId)
                    .shape(spec.observationSize(), Snapshots.actionSpec(spec.actionSpace()).getKind(),
                            Snapshots.actionSpec(spec.actionSpace()).getN())
                    .gamma(hp.gamma()).lambda(hp.gaeLambda()).segmentLength(stepsPerVersion)
                    .stateDir(folder.dir().resolve("streams-state")).replicationFactor(replicationFactor).build();
            Map<String, Object> streamsProps = new HashMap<>(clientProps);
            // Latency, not throughput, bounds a sync run: every version waits for the segments' transaction.
            streamsProps.putIfAbsent("commit.interval.ms", "10");
            // A stream thread only commits between polls: a short poll lets the last segments of a version out at once.
            streamsProps.putIfAbsent("poll.ms", "5");
            streamsProps.putIfAbsent("producer.linger.ms", "1");
            streamsProps.putIfAbsent("consumer.fetch.max.wait.ms", "100");
            StreamsService streams = new StreamsService(streamsSettings, streamsProps, registry);
            Map<String, Object> connectorProps = new HashMap<>(clientProps);
            connectorProps.putIfAbsent("linger.ms", "1");
            ConnectorRuntime connector = new ConnectorRuntime(new ConnectorConfig(id, envId, actors, seed, stepsPerVersion,
                    trainerMode == TrainerMode.SYNC ? ConnectorMode.SYNC : ConnectorMode.ASYNC, "actor",
                    // async actors run until the trainer has published its last version ...
                    trainerMode == TrainerMode.SYNC ? versions * stepsPerVersion : 0,
                    // ... but no further ahead under one version than the trainer may still use its samples
                    (long) stepsPerVersion * (hp.maxPolicyLag() + 1)),
                    connectorProps, registry, verifier);
            obs.setReady(() -> streams.isRunning() && !trainer.status().terminal());

            List<CurvePoint> curve = new ArrayList<>();
            // the evaluations play on as many instances as there are actors: a slow simulator's episodes run at once
            // its instances are kept from one evaluation to the next (a simulator that loads slowly does so once)
            evaluation = new PeriodicEvaluation(id, envId, evalEvery, evalEpisodes, seed + 1_000_000, actors,
                    registry);
            ReturnWindow last10 = new ReturnWindow(10);
            ReturnWindow last100 = new ReturnWindow(100);
            TargetGate gate = new TargetGate(10);
            // the run folder's learning figures: by the step that ended each episode, not by arrival
            EpisodeLedger ledger = new EpisodeLedger(resumed == null ? 0 : resumed.getCounters().getTotalSteps(), actors);
            long episodes = 0;
            Progress progress = new Progress(System.err, terminal, trainedSteps);
            PolicySnapshot reachedBy = null; // the version that reached --target-return
            String evalFailure = null; // an evaluation's environment failed: the run stops, its results are kept
            String stopReason = "total steps reached";
            boolean stalled = false;
            trainer.start();
            streams.start();
            connector.start();
            KafkaConsumer<String, EpisodeSummary> episodeConsumer = episodeConsumer(clientProps, topics);
            try {
                long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
                long version = 0;
                long versionSince = System.nanoTime();
                long deadLetteredBefore = 0; // blocking dead letters up to the newest version
                while (true) {
                    List<EpisodeSummary> arrived = new ArrayList<>();
                    episodeConsumer.poll(Duration.ofMillis(50)).forEach(r -> arrived.add(r.value()));
                    List<Published> newVersions = new ArrayList<>();
                    for (Published pub; (pub = published.poll()) != null; ) {
                        newVersions.add(pub);
                    }
                    for (String report; (report = stallReports.poll()) != null; ) {
                        if (!quiet) {
                            progress.note("warning: " + report);
                        }
                    }
                    if (targetReturn != null && !newVersions.isEmpty()) {
                        // every episode the new versions' batches finished is committed by now: read them all, so
                        // the gate below sees the same episodes in every run of this seed
                        readToEnd(episodeConsumer, arrived);
                    }
                    for (EpisodeSummary e : arrived) {
                        // the progress bar shows the episodes as they arrive
                        episodes++;
                        last10.add(e.getEpisodeReturn());
                        last100.add(e.getEpisodeReturn());
                        gate.add(e);
                        ledger.add(e);
                    }
                    for (Published pub : newVersions) {
                        PolicySnapshot p = pub.snapshot();
                        version = p.getVersion();
                        versionSince = System.nanoTime();
                        deadLetteredBefore = blockingDeadLetters(registry);
                        double evalMean = Double.NaN;
                        if (evaluation.due(version)) {
                            try {
                                evalMean = evaluation.evaluate(p).mean();
                            } catch (EnvironmentFailure e) {
                                evalFailure = "evaluation of version " + version + " failed: " + e.getMessage();
                            }
                        }
                        curve.add(new CurvePoint(p.getCounters().getTotalSteps(), progress.elapsedSeconds(), version, episodes,
                                last10.mean(), last100.mean(), pub.kl(), pub.entropy(), pub.explainedVariance(), evalMean));
                        if (evalFailure != null) {
                            break;
                        }
                        if (targetReturn != null && version > 0 && gate.meanBefore(version) >= targetReturn) {
                            PolicyEvaluator.Result quick;
                            try {
                                quick = evaluation.play(p, 5);
                            } catch (EnvironmentFailure e) {
                                evalFailure = "target-return check of version " + version + " failed: " + e.getMessage();
                                break;
                            }
                            if (quick.mean() >= targetReturn) {
                                reachedBy = p;
                                break; // a version published meanwhile is not the result
                            }
                        }
                    }
                    long trained = Math.max(0, version - startVersion) * hp.batchSteps();
                    if (!quiet) {
                        progress.update(trained, episodes, version, last100.mean(), gauge(registry, TrainerMetrics.KL), false);
                    }
                    if (interrupted) {
                        stopReason = INTERRUPTED;
                        break;
                    }
                    if (evalFailure != null) {
                        stopReason = evalFailure;
                        break;
                    }
                    if (reachedBy != null) {
                        stopReason = "target return " + targetReturn + " reached";
                        break;
                    }
                    if (version >= lastVersion) {
                        // the last version is published and every version is in the curve (evaluations that take
                        // longer than the updates leave this loop versions behind); the trainer's own shutdown need
                        // not be waited for
                        break;
                    }
                    if (trainer.status().terminal()) {
                        if (trainer.failure() != null) {
                            stopReason = "trainer stopped: " + trainer.failure().getMessage();
                            break;
                        }
                        if (published.isEmpty()) {
                            break; // its listener ran for every version before it ended: none is left behind
                        }
                    }
                    if (connector.failure() != null) {
                        stopReason = "connector failed: " + connector.failure().getMessage();
                        break;
                    }
                    if (!streams.isRunning() && streams.state() != org.apache.kafka.streams.KafkaStreams.State.CREATED) {
                        stopReason = "stream processors stopped: " + streams.state();
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        stopReason = "timed out after " + timeout;
                        break;
                    }
                    if (System.nanoTime() - versionSince > stallTimeout.toNanos()) {
                        long deadLettered = blockingDeadLetters(registry) - deadLetteredBefore;
                        if (deadLettered > 0) {
                            stopReason = "stalled: no new version for " + stallTimeout.toSeconds() + " s after " + deadLettered
                                    + " transitions were dead-lettered to " + topics.dlq().name() + " (check the environment with"
                                    + " ./trpo env check --env '" + envId + "'; train.log has the reasons)";
                            LOG.warn(stopReason);
                            stalled = true;
                            break;
                        }
                    }
                }
                if (!quiet) {
                    progress.update(Math.max(0, trainer.version() - startVersion) * hp.batchSteps(), episodes, trainer.version(),
                            last100.mean(), gauge(registry, TrainerMetrics.KL), true);
                    progress.finish();
                }
                // the episodes of the last batch may not have arrived yet: they are committed with its segments
                List<EpisodeSummary> rest = new ArrayList<>();
                readToEnd(episodeConsumer, rest);
                rest.forEach(ledger::add);
            } finally {
                // assigned partitions and no offsets to commit: nothing to wait for (a default close waits out the
                // pending fetch, up to fetch.max.wait.ms)
                episodeConsumer.close(Duration.ZERO);
                connector.close();
                streams.close(Duration.ofSeconds(10));
                trainer.close();
            }
            double wallSeconds = (System.nanoTime() - startNanos) / 1e9;
            // the trainer may have published another version while the target was being checked
            PolicySnapshot last = reachedBy != null ? reachedBy : trainer.latestSnapshot();
            if (last == null) {
                throw new IllegalStateException("no policy was published: " + stopReason);
            }
            // The final evaluation plays the episodes a periodic one does (and is that one when the last version was
            // due), so it competes for the best. An environment that fails here (a crashed simulator) must not cost
            // the run its policy: the folder is written without the evaluation, and the run is reported as failed.
            PolicyEvaluator.Result eval = null;
            String finalEvalError = null;
            if (!quiet && !interrupted && !evaluation.hasEvaluated(last)) {
                // a slow simulator's episodes take a while: say what the wait is for
                System.err.printf(Locale.ROOT, "final evaluation of version %d: %d deterministic episodes on %d instances%n",
                        last.getVersion(), evalEpisodes, Math.min(actors, evalEpisodes));
            }
            try {
                // a signalled run writes its folder at once: its policy can be evaluated later with trpo eval
                eval = interrupted ? null : evaluation.evaluated(last).result();
            } catch (EnvironmentFailure e) {
                finalEvalError = e.getMessage();
                LOG.error("final evaluation failed: {}", finalEvalError);
            }
            PeriodicEvaluation.Evaluated best = evaluation.best();
            long totalTrained = last.getCounters().getTotalSteps();
            // the curve's episode figures as of each version's steps, whatever the order the summaries arrived in
            curve.replaceAll(point -> point.withEpisodes(ledger.at(point.step())));
            EpisodeLedger.Window atEnd = ledger.at(totalTrained);
            if (eval != null && !curve.isEmpty() && curve.get(curve.size() - 1).policyVersion() == last.getVersion()) {
                curve.set(curve.size() - 1, curve.get(curve.size() - 1).withEval(eval.mean()));
            }
            AvroSerde<PolicySnapshot> snapshotSerde = AvroSerde.of(PolicySnapshot.class);
            folder.writePolicy(snapshotSerde.encode(last));
            if (best != null) {
                folder.writeBestPolicy(snapshotSerde.encode(best.snapshot()));
            }
            folder.writeCurve(envId, curve, threshold);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("env", envId);
            summary.put("seed", seed);
            summary.put("run_id", id);
            summary.put("mode", trainerMode.name().toLowerCase(Locale.ROOT));
            summary.put("partitions", partitions);
            summary.put("actors", actors);
            summary.put("total_steps", totalTrained);
            summary.put("wall_seconds", round(wallSeconds, 3));
            long stepsThisRun = totalTrained - (resumed == null ? 0 : resumed.getCounters().getTotalSteps());
            summary.put("env_steps_per_second", round(stepsThisRun / wallSeconds, 1));
            summary.put("policy_version", last.getVersion());
            if (resumed != null) {
                summary.put("resumed_from", resume.toAbsolutePath().normalize().toString());
                summary.put("resumed_from_version", startVersion);
            }
            summary.put("episodes", atEnd.episodes());
            summary.put("final_eval_mean", eval == null ? null : round(eval.mean(), 3));
            summary.put("final_eval_std", eval == null ? null : round(eval.std(), 3));
            summary.put("final_eval_episodes", evalEpisodes);
            // the share of the final evaluation's episodes that achieved the task, when the environment says
            summary.put("final_eval_success_rate", eval == null || eval.reported() == 0 ? null : round(eval.successRate(), 3));
            if (finalEvalError != null) {
                summary.put("final_eval_error", finalEvalError);
            } else if (eval == null) {
                summary.put("final_eval_error", "not run: the run was interrupted (./trpo eval --policy "
                        + folder.policy() + " runs it)");
            }
            summary.put("best_eval_mean", best == null ? null : round(best.mean(), 3));
            summary.put("best_eval_version", best == null ? null : best.snapshot().getVersion());
            summary.put("final_train_mean_return_100", round(atEnd.mean100(), 3));
            summary.put("threshold", Double.isNaN(threshold) ? null : threshold);
            long stepsToThreshold10 = Double.isNaN(threshold) ? -1 : ledger.stepsTo(threshold, 10, totalTrained);
            long stepsToThreshold100 = Double.isNaN(threshold) ? -1 : ledger.stepsTo(threshold, 100, totalTrained);
            summary.put("steps_to_threshold", stepsToThreshold10 < 0 ? null : stepsToThreshold10);
            summary.put("steps_to_threshold_w100", stepsToThreshold100 < 0 ? null : stepsToThreshold100);
            summary.put("rejected_updates", last.getCounters().getRejectedUpdates());
            summary.put("stale_samples_dropped", last.getCounters().getStaleSamplesDropped());
            summary.put("stop_reason", stopReason);
            summary.put("hyper_parameters", new java.util.TreeMap<>(last.getHyperParameters()));
            folder.writeSummary(summary);
            boolean ok = !interrupted && trainer.failure() == null && connector.failure() == null && !stalled && evalFailure == null
                    && finalEvalError == null;
            return new TrainResult(folder, summary, eval, ok, List.copyOf(curve));
        } finally {
            if (evaluation != null) {
                evaluation.close();
            }
            obs.close();
            runLog.close();
            if (broker != null) {
                broker.close();
                deleteQuietly(folder.dir().resolve("kafka"));
                deleteQuietly(folder.dir().resolve("streams-state"));
            }
        }
    }

    private Observability startObservability() {
        try {
            return Observability.start(metrics.metricsPort());
        } catch (RuntimeException e) {
            System.err.println("trpo train: " + e.getMessage() + "; continuing without the metrics endpoint");
            return Observability.start(0);
        }
    }

    /** A published version with the statistics of the update that produced it. */
    private record Published(PolicySnapshot snapshot, double kl, double entropy, double explainedVariance) {
    }

    /**
     * Writes {@code snapshot} to the run's policies and policy-history topics (what the trainer restores from), signed
     * when {@code signer} is not null, as the trainer signs what it publishes.
     */
    private static void publishSnapshot(Map<String, Object> clientProps, Topics topics, PolicySnapshot snapshot,
                                        SnapshotSigner signer) {
        Map<String, Object> props = new HashMap<>(clientProps);
        props.put("max.request.size", Topics.MAX_POLICY_BYTES);
        props.put("acks", "all");
        byte[] value = AvroSerde.of(PolicySnapshot.class).encode(snapshot);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> r : topics.snapshotRecords(value, signer)) {
                producer.send(r).get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the snapshot to resume from", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write the snapshot to resume from to " + topics.policies().name()
                    + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static KafkaConsumer<String, EpisodeSummary> episodeConsumer(Map<String, Object> clientProps, Topics topics) {
        Map<String, Object> props = new HashMap<>(clientProps);
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        props.put("auto.offset.reset", "earliest");
        KafkaConsumer<String, EpisodeSummary> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                topics.episodes().valueSerde().deserializer());
        List<TopicPartition> parts = consumer.partitionsFor(topics.episodes().name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        return consumer;
    }

    /**
     * Polls the episode topic up to the end it had when called (for read_committed: up to its last committed
     * transaction), adding the summaries to {@code into}; gives up after {@link #READ_TO_END} (the figures then use
     * what arrived).
     */
    private static void readToEnd(KafkaConsumer<String, EpisodeSummary> consumer, List<EpisodeSummary> into) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long deadline = System.nanoTime() + READ_TO_END.toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                LOG.warn("the episode topic was not read to its end within {}: the target-return check and the run's "
                        + "learning figures use the episodes that arrived", READ_TO_END);
                return;
            }
            consumer.poll(Duration.ofMillis(50)).forEach(r -> into.add(r.value()));
        }
    }

    private static double gauge(MeterRegistry registry, String name) {
        Gauge g = registry.find(name).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            // leftovers of a finished run are harmless
        }
    }
}
