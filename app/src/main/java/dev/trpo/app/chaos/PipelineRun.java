package dev.trpo.app.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import dev.trpo.app.chaos.KillPlan.Target;
import dev.trpo.app.trainer.TrainerCommand;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.Topics;
import dev.trpo.trainer.EnvSpec;
import dev.trpo.trainer.Hyperparameters;

/**
 * One training run as separate OS processes, each {@code java ... dev.trpo.app.Main <command>} with a fixed command
 * line: {@code trpo broker}, {@code trpo topics create}, {@code trpo trainer}, {@code trpo streams}, {@code trpo
 * connector}, configured as {@code trpo train --mode sync} configures them in-process. {@link #run()} executes the
 * kill schedule and stops the components once the trainer has published the target version; the broker stays up
 * for the audit until {@link #close()}.
 *
 * <p>The schedule: kill i (in an order drawn from the seed) waits until its version ({@link ChaosSettings#trigger}: the
 * kills spread over the run but its last fifth) is out and the previous kill has recovered, then until a random moment of the current version's life (its publication plus
 * a random part of the median inter-version interval, at the latest the next version), so it lands anywhere in a
 * version's life (actors stepping, segments in a transaction, an update being computed). It SIGKILLs its target,
 * waits a random 0-3 s, restarts it with the same command line, and measures the recovery: from the restart to the
 * first policy version newer than the newest one out at the restart.
 *
 * <p>A component that exits without being stopped is restarted at once, as a supervisor (Kubernetes) would, and the
 * exit is recorded: riding out a kill of another component is part of what the harness checks.
 */
final class PipelineRun implements AutoCloseable {
    private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
    private static final Duration BROKER_START = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /** Supervision: how often the processes are looked at. */
    private static final long POLL_MS = 200;
    /** A component that exits on its own more often than this is given up on. */
    private static final int MAX_UNPLANNED_EXITS = 25;

    /** One kill and its recovery; {@code recoverySeconds} is NaN when no new version came within the timeout. */
    record Kill(Target target, long versionAtKill, double downSeconds, long versionAtRestart, double recoverySeconds,
                long recoveredVersion) {
        boolean recovered() {
            return !Double.isNaN(recoverySeconds);
        }
    }

    /** A component that ended without being stopped: its exit code and the end of its log. */
    record UnplannedExit(String component, int start, int exitCode, long versionAt, List<String> logTail) {
    }

    /** What happened during the run, from the harness's point of view. */
    record Outcome(List<Kill> kills, int killsPlanned, List<UnplannedExit> unplannedExits, boolean targetReached,
                   long newestVersion, double seconds, Map<String, Integer> starts, Map<String, Boolean> stoppedOnSigterm,
                   String stall, List<String> notes) {
    }

    private final ChaosSettings settings;
    private final PrintStream progress;
    private final Topics topics;
    private final Path logs;
    private final int port;
    private final ChildProcess broker;
    private final Random random;
    private final List<UnplannedExit> unplannedExits = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private ChildProcess trainer;
    private final List<ChildProcess> streams = new ArrayList<>();
    private final List<ChildProcess> connectors = new ArrayList<>();
    private PolicyWatch watch;
    private String bootstrapServers;
    private boolean trainerFinished;

    /**
     * @param settings the run
     * @param progress where one line per event goes (kill, restart, recovery, unplanned exit)
     */
    PipelineRun(ChaosSettings settings, PrintStream progress) throws IOException {
        this.settings = settings;
        this.progress = progress;
        this.topics = Topics.forRun(settings.runId());
        this.logs = settings.dir().resolve("logs");
        this.port = freePort();
        this.random = new Random(settings.seed());
        this.broker = new ChildProcess("broker", trpo("broker", "--port", Integer.toString(port), "--data-dir",
                settings.dir().resolve("broker").toString()), logs);
    }

    /** The broker's address once it is up. */
    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Runs the pipeline and the kill schedule until the target version is out (or the run stalls); see the class doc. */
    Outcome run() throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + settings.runTimeout().toNanos();
        Files.createDirectories(logs);
        startBroker();
        createTopics();
        startComponents();
        watch = new PolicyWatch(bootstrapServers, topics);
        watch.start();

        List<Kill> kills = new ArrayList<>();
        List<Target> order = settings.plan().shuffled(random);
        int n = settings.versions();
        String stall = null;
        for (int i = 0; i < order.size() && stall == null; i++) {
            Target target = order.get(i);
            long trigger = ChaosSettings.trigger(i, order.size(), n);
            if (!supervise(() -> watch.latest() >= trigger, deadline)) {
                stall = "version " + trigger + " (the trigger of kill " + (i + 1) + ") did not come within --timeout";
                break;
            }
            // a random moment of the current version's life, measured from when it came out; a moment already past
            // (a slow recovery) is now, and a version that ends first brings the kill forward to its end
            Duration interval = watch.typicalInterval(Duration.ofSeconds(2));
            long current = watch.latest();
            long moment = watch.seenAt(current) + (long) (random.nextDouble() * interval.toNanos());
            supervise(() -> System.nanoTime() >= moment || watch.latest() > current, deadline);
            if (watch.latest() >= n) {
                notes.add("kill " + (i + 1) + " (" + target.label() + ") not made: the target version came first");
                break;
            }
            Kill kill = killAndRestart(target);
            kills.add(kill);
            if (!kill.recovered() && kill.versionAtRestart() < n) {
                stall = "no new policy version within " + settings.recoveryTimeout().toSeconds() + " s of restarting "
                        + target.label() + " (killed at version " + kill.versionAtKill() + ")";
            }
        }
        if (stall == null && !supervise(() -> watch.latest() >= n, deadline)) {
            stall = "version " + n + " did not come within --timeout " + settings.runTimeout().toSeconds() + " s (newest "
                    + watch.latest() + ")";
        }
        long newest = watch.latest();
        Map<String, Boolean> stopped = new LinkedHashMap<>();
        for (ChildProcess c : components()) {
            stopped.put(c.name(), c.terminate(STOP_GRACE));
        }
        Map<String, Integer> starts = new LinkedHashMap<>();
        for (ChildProcess c : components()) {
            starts.put(c.name(), c.starts());
        }
        starts.put(broker.name(), broker.starts());
        if (stall != null) {
            progress.println("chaos: stalled: " + stall);
        }
        return new Outcome(kills, order.size(), List.copyOf(unplannedExits), newest >= n, newest,
                (System.nanoTime() - t0) / 1e9, starts, stopped, stall, List.copyOf(notes));
    }

    private Kill killAndRestart(Target target) throws Exception {
        long atKill = watch.latest();
        List<ChildProcess> victims = switch (target) {
            case CONNECTOR -> List.of(connectors.get(random.nextInt(connectors.size())));
            case STREAMS, STREAMS_LOST -> List.of(streams.get(random.nextInt(streams.size())));
            case TRAINER -> List.of(trainer);
            case ALL -> components();
            case BROKER -> List.of(broker);
        };
        for (ChildProcess v : victims) {
            v.kill();
        }
        Duration maxDown = target == Target.BROKER ? settings.brokerDownTime() : ChaosSettings.MAX_DOWN_TIME;
        double down = random.nextDouble() * maxDown.toMillis() / 1000.0;
        String names = String.join(", ", victims.stream().map(ChildProcess::name).toList());
        if (target == Target.STREAMS_LOST) {
            // the others must take its partitions over: the run goes on without it, then it comes back
            progress.printf(Locale.ROOT, "chaos: SIGKILL %s (%s) at version %d; restarted after the next version%n",
                    target.label(), names, atKill);
            long lostAt = System.nanoTime();
            boolean on = supervise(() -> watch.latest() > atKill || atKill >= settings.versions(),
                    lostAt + settings.recoveryTimeout().toNanos());
            long next = on && watch.latest() > atKill ? watch.awaitNewerThan(atKill, Duration.ZERO) : -1;
            double recovery = next < 0 ? Double.NaN : Math.max(0, watch.seenAt(next) - lostAt) / 1e9;
            progress.printf(Locale.ROOT, "chaos: %s: version %d without it after %.2f s%n", target.label(), next, recovery);
            victims.get(0).start();
            return new Kill(target, atKill, recovery, atKill, recovery, next);
        }
        progress.printf(Locale.ROOT, "chaos: SIGKILL %s (%s) at version %d; restart in %.2f s%n", target.label(), names,
                atKill, down);
        Thread.sleep((long) (down * 1000));
        // restarted in the order the pipeline first started: the broker, then trainer, streams, connectors
        for (ChildProcess v : withBroker()) {
            if (victims.contains(v)) {
                if (v == broker) {
                    startBroker();
                } else {
                    v.start();
                }
            }
        }
        long restartedAt = System.nanoTime();
        long atRestart = watch.latest();
        long deadline = restartedAt + settings.recoveryTimeout().toNanos();
        // a restart after the target version was published has no next version to wait for
        supervise(() -> watch.latest() > atRestart || atRestart >= settings.versions(), deadline);
        long next = watch.latest() > atRestart ? watch.awaitNewerThan(atRestart, Duration.ZERO) : -1;
        double recovery = next < 0 ? Double.NaN : Math.max(0, watch.seenAt(next) - restartedAt) / 1e9;
        progress.printf(Locale.ROOT, "chaos: %s back; version %d after %.2f s%n", target.label(), next, recovery);
        return new Kill(target, atKill, down, atRestart, recovery, next);
    }

    /**
     * Polls {@code done} until it holds or the deadline passes, restarting every component that exited on its own.
     *
     * @return whether {@code done} held
     */
    private boolean supervise(BooleanSupplier done, long deadline) throws Exception {
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            for (ChildProcess c : withBroker()) {
                Optional<Integer> exit = c.exitedOnItsOwn();
                if (exit.isEmpty() || c == trainer && trainerFinished) {
                    continue;
                }
                if (c == trainer && exit.get() == 0) {
                    // --max-versions reached: the trainer's normal end
                    trainerFinished = true;
                    continue;
                }
                long version = watch == null ? -1 : watch.latest();
                unplannedExits.add(new UnplannedExit(c.name(), c.starts() - 1, exit.get(), version, c.tail(8)));
                progress.printf(Locale.ROOT, "chaos: %s exited on its own (code %d) at version %d: %s%n", c.name(),
                        exit.get(), version, String.join(" | ", c.tail(2)));
                if (unplannedExits.stream().filter(u -> u.component().equals(c.name())).count() > MAX_UNPLANNED_EXITS) {
                    throw new IllegalStateException(c.name() + " exited on its own more than " + MAX_UNPLANNED_EXITS
                            + " times; see " + c.currentLog());
                }
                if (c == broker) {
                    startBroker();
                } else {
                    c.start();
                }
            }
            Thread.sleep(POLL_MS);
        }
        return true;
    }

    private void startBroker() throws Exception {
        broker.start();
        String servers = broker.awaitLine(BOOTSTRAP, BROKER_START).group(1);
        if (bootstrapServers != null && !bootstrapServers.equals(servers)) {
            throw new IllegalStateException("the restarted broker listens on " + servers + ", not " + bootstrapServers);
        }
        bootstrapServers = servers;
    }

    private void createTopics() throws Exception {
        ChildProcess create = new ChildProcess("topics", trpo("topics", "create", "--run-id", settings.runId(),
                "--partitions", Integer.toString(settings.partitions()), "--bootstrap-servers", bootstrapServers), logs);
        create.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (create.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MS);
        }
        if (create.isAlive() || create.exitedOnItsOwn().orElse(1) != 0) {
            create.kill();
            throw new IllegalStateException("trpo topics create failed: " + String.join(" | ", create.tail(5)));
        }
    }

    /**
     * The three components' command lines, with the hyper-parameters {@code trpo train --mode sync} would use: the
     * environment's preset with batch-steps = actors x steps-per-version, the stream processors' segment length =
     * steps-per-version and their latency-bound client settings.
     */
    private void startComponents() throws IOException {
        String run = settings.runId();
        String env = settings.envId();
        Map<String, String> overrides = new HashMap<>();
        overrides.put(Hyperparameters.BATCH_STEPS, Integer.toString(settings.batchSteps()));
        overrides.put(Hyperparameters.MODE, "sync");
        Hyperparameters hp = Hyperparameters.forEnv(env, overrides);
        EnvSpec spec = TrainerCommand.envSpec(env);
        var action = Snapshots.actionSpec(spec.actionSpace());

        trainer = new ChildProcess("trainer", trpo("trainer", "--run-id", run, "--env", env, "--seed",
                Long.toString(settings.seed()), "--max-versions", Integer.toString(settings.versions()), "--batch-steps",
                Integer.toString(settings.batchSteps()), "--mode", "sync", "--metrics-port", "0",
                "--bootstrap-servers", bootstrapServers), logs);

        Path streamsConfig = settings.dir().resolve("streams.properties");
        // as trpo train: a sync run is bound by latency, every version waits for the segments' transaction
        Files.writeString(streamsConfig, String.join("\n", "commit.interval.ms=10", "poll.ms=5", "producer.linger.ms=1",
                "consumer.fetch.max.wait.ms=100", ""), StandardCharsets.UTF_8);
        for (int i = 0; i < settings.streamsInstances(); i++) {
            String suffix = settings.streamsInstances() == 1 ? "" : Integer.toString(i);
            streams.add(new ChildProcess("streams" + suffix, trpo("streams", "--run-id", run, "--env", env,
                    "--obs-size", Integer.toString(spec.observationSize()), "--action-kind",
                    action.getKind().name().toLowerCase(Locale.ROOT), "--action-size", Integer.toString(action.getN()),
                    "--gamma", Double.toString(hp.gamma()), "--lambda", Double.toString(hp.gaeLambda()),
                    "--segment-length", Integer.toString(settings.stepsPerVersion()),
                    "--state-dir", settings.dir().resolve("streams-state" + suffix).toString(), "--metrics-port", "0",
                    "--instance-id", "streams-" + i, "--kafka-config", streamsConfig.toString(),
                    "--bootstrap-servers", bootstrapServers), logs));
        }

        Path connectorConfig = settings.dir().resolve("connector.properties");
        Files.writeString(connectorConfig, "linger.ms=1\n", StandardCharsets.UTF_8);
        // no --max-steps: it counts the steps of one process, so a restarted connector would go past the last version
        for (int c = 0; c < settings.connectors(); c++) {
            String suffix = settings.connectors() == 1 ? "" : Integer.toString(c);
            connectors.add(new ChildProcess("connector" + suffix, trpo("connector", "--run-id", run, "--env", env,
                    "--actors", Integer.toString(settings.actorsOf(c)), "--first-actor", Integer.toString(settings.firstActor(c)),
                    "--seed", Long.toString(settings.seed()), "--steps-per-version", Integer.toString(settings.stepsPerVersion()),
                    "--mode", "sync", "--actor-id-prefix", "actor", "--metrics-port", "0",
                    "--kafka-config", connectorConfig.toString(), "--bootstrap-servers", bootstrapServers), logs));
        }

        for (ChildProcess c : startOrder()) {
            c.start();
        }
    }

    /** The broker, then {@link #startOrder()}: every process, in the order they start. */
    private List<ChildProcess> withBroker() {
        List<ChildProcess> all = new ArrayList<>(List.of(broker));
        all.addAll(startOrder());
        return all;
    }

    /** Trainer, stream processors and connectors: the order they start in. */
    private List<ChildProcess> startOrder() {
        List<ChildProcess> order = new ArrayList<>(components());
        java.util.Collections.reverse(order);
        return order;
    }

    /** Connectors, stream processors and trainer (the order they are stopped in). */
    private List<ChildProcess> components() {
        List<ChildProcess> all = new ArrayList<>(connectors);
        all.addAll(streams);
        if (trainer != null) {
            all.add(trainer);
        }
        return all;
    }

    /** {@code java <options> -cp <this classpath> dev.trpo.app.Main <args>}. */
    static List<String> trpo(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-XX:+UseParallelGC",
                // the application's logging, also when the classpath holds test resources (a test's logback-test.xml)
                "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"), "dev.trpo.app.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Stops the policy watch and then the broker (SIGTERM; SIGKILL after the grace period). */
    @Override
    public void close() throws Exception {
        if (watch != null) {
            watch.close();
        }
        for (ChildProcess c : components()) {
            c.terminate(STOP_GRACE);
        }
        broker.terminate(STOP_GRACE);
    }
}
