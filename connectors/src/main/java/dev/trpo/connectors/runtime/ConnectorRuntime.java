package dev.trpo.connectors.runtime;

import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.EnvironmentFailure;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.StepResult;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.policy.Workspace;
import dev.trpo.schemas.ActorCheckpoint;
import dev.trpo.schemas.HangingTransactions;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;
import dev.trpo.schemas.signing.SnapshotVerifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connector: N environments stepped in lockstep on one thread with the newest policy version, one
 * {@link Transition} published per step to {@code trpo.<run-id>.transitions}, keyed by actor id.
 *
 * <p>Per step batch: the policy acts on all N raw observations at once (it normalises them with the snapshot's
 * statistics), each actor's sample coming from its own seeded generator; every environment is started on its action
 * (a continuous action clipped to the space, while the record keeps the unclipped sample and its log-probability)
 * before any is finished ({@link Environment#startStep}), so child processes and robots step at the same time;
 * V(next obs) is computed, again batched, for the actors whose step was truncated or is the last they take under
 * the current version; then the N records are sent, and the environments whose episode ended are reset the same
 * way. Buffers are allocated once.
 *
 * <p>Sync mode: the step batches under one version number exactly {@code stepsPerVersion}; then the actors wait
 * for a newer version. Async mode: when a newer version has arrived, the current batch is the last under the
 * old one and the next batch uses the new one; with {@code asyncMaxStepsPerVersion}, the actors also wait (their
 * last step closing the version) once they have taken that many steps under one version.
 *
 * <p><b>Exactly once, and a restart that resumes.</b> The producer is transactional, with transactional id
 * {@code trpo.<run-id>.connector.<actor-id-prefix>} (with {@code .from-<first actor>} when it is not 0): a restarted connector fences the one it replaces and aborts
 * its open transaction at once. The steps are committed when the actors close a version, at the latest every
 * {@link ConnectorConfig#commitIntervalMs()}, and on {@link #close()}; each commit also writes every actor's
 * {@link ActorCheckpoint} (environment state, both random generators' positions, episode and step counters) to the
 * compacted {@code trpo.<run-id>.checkpoints} topic. A connector that starts reads the checkpoints of its actor ids
 * and resumes each actor at its last committed step, under that step's version: with a {@link
 * Environment#restorable()} environment the steps it publishes are the ones an uninterrupted connector would have
 * published, bit for bit. An actor whose environment cannot be restored (a child process) starts a new episode
 * with the next episode number, and the stream processors close the open one as abandoned. A Kafka error (the
 * broker away) ends the session the same way a crash does: the open transaction is dropped, and the connector
 * retries, then resumes from the checkpoints.
 *
 * <p>Producer defaults: acks=all, lz4, large batches; properties given by the caller override them.
 * {@link #close()} stops after the current batch and commits every step taken.
 */
public final class ConnectorRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorRuntime.class);
    /** How often a waiting actor loop rechecks that it is still running. */
    private static final long WAIT_SLICE_MS = 200;
    /** Default transaction.timeout.ms: well above the commit interval plus one slow step batch. */
    private static final int TRANSACTION_TIMEOUT_MS = 30_000;
    /** Waits between attempts to reach the broker again after a Kafka error. */
    private static final long RETRY_BACKOFF_MS = 1_000;
    /** While the actors wait for a policy, how often they check that their last commit is there to read. */
    private static final long COMMIT_CHECK_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final ConnectorConfig config;
    private final Map<String, Object> kafkaProps;
    private final Topics topics;
    private final Environment[] envs;
    /** Nanoseconds spent in the environments' step and reset; written by the stepping thread only. */
    private volatile long envNanos;
    private final PolicySubscriber subscriber;
    private final Thread thread;
    private volatile boolean running;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile KafkaProducer<String, Object> producer;
    private volatile KafkaClientMetrics producerMetrics;
    private final MeterRegistry registry;
    private final Tags tags;

    private final Counter transitionsCounter;
    private final Counter episodesCounter;
    private final Counter succeeded;
    private final Counter failed;
    private final Counter sendErrors;
    private final Counter commitsNotVisible;
    /** The checkpoints of the last commit this process made or found (what a read_committed reader must see). */
    private volatile Map<String, ActorCheckpoint> lastCommitted = Map.of();
    private final Counter resumedExactly;
    private final Counter resumedNewEpisode;
    private final DistributionSummary episodeReturn;
    private final DistributionSummary policyLag;
    private final Timer policyWait;
    private final AtomicLong actingVersion = new AtomicLong(-1);
    private final AtomicLong stepsTaken = new AtomicLong();

    /**
     * @param config     what to run
     * @param kafkaProps client properties (bootstrap.servers, security ...), passed through to producer and consumer
     * @param registry   where the connector's meters ({@link ConnectorMetrics}) are registered
     */
    public ConnectorRuntime(ConnectorConfig config, Map<String, Object> kafkaProps, MeterRegistry registry) {
        this(config, kafkaProps, registry, SnapshotVerifier.NONE);
    }

    /**
     * A connector whose actors act only with snapshots {@code verifier} accepts.
     *
     * @param verifier checks each policy record's signature ({@link SnapshotVerifier#NONE}: none is checked)
     */
    public ConnectorRuntime(ConnectorConfig config, Map<String, Object> kafkaProps, MeterRegistry registry,
                            SnapshotVerifier verifier) {
        this.config = Objects.requireNonNull(config, "config");
        this.kafkaProps = Map.copyOf(Objects.requireNonNull(kafkaProps, "kafkaProps"));
        Objects.requireNonNull(registry, "registry");
        this.topics = Topics.forRun(config.runId());
        this.envs = Environments.create(config.envId(), config.actors(), config::actorId).toArray(Environment[]::new);
        Tags tags = Tags.of("run", config.runId(), "env", config.envId());
        this.tags = tags;
        this.registry = registry;
        this.transitionsCounter = Counter.builder(ConnectorMetrics.TRANSITIONS).tags(tags)
                .description("transitions committed to the transitions topic").register(registry);
        this.episodesCounter = Counter.builder(ConnectorMetrics.EPISODES).tags(tags)
                .description("episodes finished").register(registry);
        this.succeeded = Counter.builder(ConnectorMetrics.EPISODE_OUTCOMES).tags(tags.and("outcome", "success"))
                .description("finished episodes the environment judged").register(registry);
        this.failed = Counter.builder(ConnectorMetrics.EPISODE_OUTCOMES).tags(tags.and("outcome", "failure"))
                .description("finished episodes the environment judged").register(registry);
        this.sendErrors = Counter.builder(ConnectorMetrics.SEND_ERRORS).tags(tags)
                .description("transactions that failed (their steps are taken again from the checkpoints)")
                .register(registry);
        this.commitsNotVisible = Counter.builder(ConnectorMetrics.COMMITS_NOT_VISIBLE).tags(tags)
                .description("commits found missing while waiting (their transaction was aborted or hangs): the steps"
                        + " were taken again from the committed checkpoints")
                .register(registry);
        this.resumedExactly = Counter.builder(ConnectorMetrics.RESUMED).tags(tags.and("how", "exact"))
                .description("actors resumed from a checkpoint").register(registry);
        this.resumedNewEpisode = Counter.builder(ConnectorMetrics.RESUMED).tags(tags.and("how", "new-episode"))
                .description("actors resumed from a checkpoint").register(registry);
        this.episodeReturn = DistributionSummary.builder(ConnectorMetrics.EPISODE_RETURN).tags(tags)
                .description("return of each finished episode").register(registry);
        this.policyLag = DistributionSummary.builder(ConnectorMetrics.POLICY_LAG).tags(tags)
                .description("versions between the newest received and the one acted with").register(registry);
        this.policyWait = Timer.builder(ConnectorMetrics.POLICY_WAIT).tags(tags)
                .description("time spent waiting for a policy version").register(registry);
        FunctionCounter.builder(ConnectorMetrics.ENV_SECONDS, this, r -> r.envNanos / 1e9).tags(tags)
                .description("wall time in the environments' step and reset calls (those in child processes overlap)")
                .baseUnit("seconds").register(registry);
        Gauge.builder(ConnectorMetrics.POLICY_VERSION, actingVersion, AtomicLong::doubleValue).tags(tags)
                .description("the policy version the actors act with").register(registry);
        this.subscriber = new PolicySubscriber(topics.policies(), envs[0], this.kafkaProps, registry, tags, verifier);
        this.thread = new Thread(this::runLoop, "trpo-connector-" + config.runId());
    }

    /**
     * The transactional id of a connector: one per run, actor-id prefix and first actor, so a restart fences its
     * predecessor and processes holding other actors of one prefix do not fence each other.
     */
    public static String transactionalId(ConnectorConfig config) {
        String id = "trpo." + config.runId() + ".connector." + config.actorIdPrefix();
        return config.firstActor() == 0 ? id : id + ".from-" + config.firstActor();
    }

    /** The producer settings this connector uses unless the caller's properties say otherwise. */
    static Map<String, Object> producerProperties(Map<String, Object> kafkaProps, String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.putAll(kafkaProps);
        return props;
    }

    /** Starts following the policies topic and stepping; returns at once (the broker is reached from the loop). */
    public synchronized void start() {
        if (running || thread.isAlive()) {
            throw new IllegalStateException("connector already started");
        }
        running = true;
        subscriber.start();
        thread.start();
        LOG.info("connector started run={} env={} actors={} mode={} steps_per_version={} seed={} topic={}",
                config.runId(), config.envId(), config.actors(), config.mode().name().toLowerCase(),
                config.stepsPerVersion(), config.seed(), topics.transitions().name());
    }

    /** @return the error that stopped the connector (a fenced producer, a failed environment or subscriber), or null */
    public Throwable failure() {
        return failure.get();
    }

    /** @return true while the stepping thread runs */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** @return steps taken so far, summed over actors */
    public long stepsTaken() {
        return stepsTaken.get();
    }

    /** @return the version the actors act with, -1 before the first */
    public long actingVersion() {
        return actingVersion.get();
    }

    /**
     * Waits for the stepping thread to end (max-steps reached, a failure, or {@link #close()}).
     *
     * @return true when it ended within the timeout
     */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        thread.join(Math.max(1, unit.toMillis(timeout)));
        return !thread.isAlive();
    }

    /** Stops after the current step batch, commits every step taken, and closes the clients. Idempotent. */
    @Override
    public synchronized void close() {
        running = false;
        try {
            if (thread.isAlive() && Thread.currentThread() != thread) {
                thread.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        subscriber.close();
        for (Environment env : envs) {
            env.close();
        }
    }

    private void runLoop() {
        Actors actors = null;
        try {
            actors = new Actors();
            while (running) {
                try {
                    openProducer();
                    Map<String, ActorCheckpoint> committed = readCheckpoints();
                    lastCommitted = Map.copyOf(committed);
                    actors.resume(committed);
                    actors.run();
                    actors.commit();
                    break;
                } catch (ProducerFencedException e) {
                    throw new IllegalStateException("another connector with actor-id-prefix " + config.actorIdPrefix()
                            + " took over run " + config.runId() + " (transactional id "
                            + transactionalId(config) + " was fenced): this one stops", e);
                } catch (AuthorizationException | AuthenticationException | UnsupportedVersionException e) {
                    throw e;
                } catch (CommitNotVisible e) {
                    commitsNotVisible.increment();
                    closeProducer(Duration.ZERO);
                    Thread.sleep(RETRY_BACKOFF_MS);
                } catch (KafkaException e) {
                    // not InvalidProducerEpochException alone, which a timed-out transaction also gets: see fencedOnAbort
                    if (hasCause(e, ProducerFencedException.class)
                            || hasCause(e, InvalidProducerEpochException.class) && fencedOnAbort()) {
                        throw new IllegalStateException("another connector with actor-id-prefix "
                                + config.actorIdPrefix() + " took over run " + config.runId() + ": this one stops", e);
                    }
                    sendErrors.increment();
                    LOG.warn("kafka unavailable run={} error=\"{}\": the steps since the last commit are dropped;"
                            + " retrying in {} ms, then resuming from the checkpoints", config.runId(), e.toString(),
                            RETRY_BACKOFF_MS);
                    closeProducer(Duration.ZERO);
                    Thread.sleep(RETRY_BACKOFF_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
            if (e instanceof EnvironmentFailure) {
                // the environment's own failure, worded by it: a stack trace of the connector would add nothing
                LOG.error("connector failed run={} error={}", config.runId(), e.getMessage());
            } else if (e instanceof IllegalStateException && e.getCause() instanceof KafkaException) {
                LOG.error("connector failed run={} error={}", config.runId(), e.getMessage());
            } else {
                LOG.error("connector failed run={} error={}", config.runId(), e.toString(), e);
            }
        } finally {
            running = false;
            // a failed session's transaction stays open: dropping it (abort) keeps the checkpoints the truth
            closeProducer(failure.get() == null ? Duration.ofSeconds(30) : Duration.ZERO);
            LOG.info("connector stopped run={} steps={} acting_version={}", config.runId(), stepsTaken.get(),
                    actingVersion.get());
        }
    }

    /** A transactional producer that has fenced its predecessor; retried (with a log line) while the broker is away. */
    private void openProducer() throws InterruptedException {
        if (producer != null) {
            return;
        }
        Serializer<String> keys = topics.transitions().keySerde().serializer();
        Serializer<Transition> transitions = topics.transitions().valueSerde().serializer();
        Serializer<ActorCheckpoint> checkpoints = topics.checkpoints().valueSerde().serializer();
        Serializer<Object> values = (topic, value) -> value instanceof Transition t ? transitions.serialize(topic, t)
                : checkpoints.serialize(topic, (ActorCheckpoint) value);
        Map<String, Object> props = producerProperties(kafkaProps, "trpo-connector-" + config.actorIdPrefix());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(config));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // a connector that dies and is not restarted holds the partitions' last stable offset back this long at most
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
        KafkaProducer<String, Object> p = new KafkaProducer<>(props, keys, values);
        producer = p;
        producerMetrics = new KafkaClientMetrics(p, tags);
        producerMetrics.bindTo(registry);
        p.initTransactions();
    }

    private void closeProducer(Duration timeout) {
        KafkaProducer<String, Object> p = producer;
        if (p == null) {
            return;
        }
        producer = null;
        try {
            p.close(timeout);
        } catch (RuntimeException e) {
            LOG.debug("producer close failed: {}", e.toString());
        }
        producerMetrics.close();
    }

    /** This connector's actors' checkpoints, read_committed to the end of the topic (after the fencing). */
    private Map<String, ActorCheckpoint> readCheckpoints() {
        Map<String, ActorCheckpoint> mine = new HashMap<>();
        for (int i = 0; i < envs.length; i++) {
            mine.put(config.actorId(i), null);
        }
        Map<String, ActorCheckpoint> found = new HashMap<>();
        TopicReader.readToEnd(topics.checkpoints().name(), mine.keySet(), kafkaProps, "trpo-connector-checkpoints-" + config.actorIdPrefix(),
                (key, bytes) -> {
                    if (key != null && mine.containsKey(key)) {
                        ActorCheckpoint c;
                        try {
                            c = bytes == null ? null : topics.checkpoints().valueSerde().deserializer()
                                    .deserialize(topics.checkpoints().name(), bytes);
                        } catch (RuntimeException e) {
                            // an unreadable checkpoint is no checkpoint: that actor starts a new episode
                            LOG.warn("checkpoint skipped topic={} actor={} reason=decode error=\"{}\"",
                                    topics.checkpoints().name(), key, e.getMessage());
                            c = null;
                        }
                        if (c == null) {
                            found.remove(key);
                        } else if (config.runId().equals(c.getRunId()) && config.envId().equals(c.getEnvId())) {
                            found.put(key, c);
                        }
                    }
                }, () -> running);
        return found;
    }

    /**
     * Throws {@link CommitNotVisible} when the committed checkpoints differ from this process's last commit: its
     * transaction was aborted (a hanging transaction, aborted by an operator or {@code trpo broker}) or still hangs,
     * so the trainer would wait for steps no reader can see while the actors wait for the next version.
     */
    private void checkLastCommitVisible(long version) {
        Map<String, ActorCheckpoint> expected = lastCommitted;
        if (expected.isEmpty()) {
            return;
        }
        Map<String, ActorCheckpoint> committed = readCheckpoints();
        List<String> missing = new ArrayList<>();
        expected.forEach((actor, c) -> {
            if (!c.equals(committed.get(actor))) {
                missing.add(actor);
            }
        });
        if (!missing.isEmpty() && running) {
            String open = openTransactionOfMine();
            if (open != null) {
                // committed, and its markers not yet written (the broker back from a crash), or hanging: reading it
                // later, or after its abort, decides; taking the steps again now could commit them twice
                LOG.info("last commit not readable yet run={} actors={}: {} (a hanging one is aborted by trpo broker,"
                        + " or by an operator: see docs/operations.md)", config.runId(), missing, open);
                return;
            }
            ActorCheckpoint any = expected.get(missing.get(0));
            ActorCheckpoint seen = committed.get(missing.get(0));
            LOG.warn("last commit not visible run={} actors={} committed_version={} steps_in_version={} read_back={}:"
                    + " its transaction was aborted or hangs (waiting for a version newer than {}); resuming from the"
                    + " committed checkpoints, the steps since are taken again", config.runId(), missing,
                    any.getPolicyVersion(), any.getStepsInVersion(),
                    seen == null ? "none" : "version " + seen.getPolicyVersion() + " step " + seen.getStepsInVersion(), version);
            throw new CommitNotVisible();
        }
    }

    /**
     * Where this connector's producer still has a transaction open on the checkpoints topic ("partition from offset
     * N"), or null when it has none; "unknown" when it cannot be told (then nothing is taken again).
     */
    private String openTransactionOfMine() {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafkaProps)) {
            String id = transactionalId(config);
            var described = admin.describeTransactions(List.of(id)).all().get(10, TimeUnit.SECONDS).get(id);
            var parts = HangingTransactions.partitions(admin, List.of(topics.checkpoints().name()));
            for (HangingTransactions.Open o : new HangingTransactions(admin, Duration.ZERO).open(parts)) {
                if (o.producerId() == described.producerId()) {
                    return "a transaction of this connector is still open on " + o.partition() + " from offset "
                            + o.startOffset();
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The last commit is not there to read: the session ends, and the next resumes from what is committed. */
    private static final class CommitNotVisible extends KafkaException {
        private static final long serialVersionUID = 1L;

        CommitNotVisible() {
            super("the last commit is not visible");
        }
    }

    /**
     * After an {@link InvalidProducerEpochException}: with transactions v2 it answers both a transaction the
     * coordinator aborted (its timeout ran out while the broker was away) and a second live connector under the same
     * transactional id. Aborting on the same producer tells them apart: only a fenced producer is refused.
     */
    private boolean fencedOnAbort() {
        KafkaProducer<String, Object> p = producer;
        if (p == null) {
            return false;
        }
        try {
            p.abortTransaction();
            return false;
        } catch (ProducerFencedException e) {
            return true;
        } catch (KafkaException | IllegalStateException e) {
            return hasCause(e, ProducerFencedException.class);
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }


    /** The actors' loop and everything it touches per step, allocated once. */
    private final class Actors {
        final int n = envs.length;
        final int obsDim = envs[0].observationSize();
        final ActionSpace space = envs[0].actionSpace();
        final int actionDim = space.actionDim();
        final boolean discrete = space instanceof ActionSpace.Discrete;
        final double[] low = discrete ? null : ((ActionSpace.Box) space).low();
        final double[] high = discrete ? null : ((ActionSpace.Box) space).high();

        final double[] obs = new double[n * obsDim];
        final double[] actions = new double[n * actionDim];
        final double[] envActions = new double[n * actionDim];
        final double[] logp = new double[n];
        final double[] values = new double[n];
        final double[] bootObs = new double[n * obsDim];
        final double[] bootValues = new double[n];
        final int[] bootRow = new int[n];
        final StepResult[] results = new StepResult[n];
        final SplitMixRandom[] envRng = new SplitMixRandom[n];
        final SplitMixRandom[] actRng = new SplitMixRandom[n];
        final String[] actorIds = new String[n];
        final long[] episode = new long[n];
        final int[] stepInEpisode = new int[n];
        final double[] episodeReturnSoFar = new double[n];
        final double[][] envState = new double[n][];
        final PerActorRandom sampler = new PerActorRandom(actRng, actionDim);
        final DoubleListView obsView = new DoubleListView(obsDim);
        final DoubleListView actionView = new DoubleListView(actionDim);
        final Transition record = new Transition();
        final String topic = topics.transitions().name();
        final boolean sync = config.mode() == ConnectorMode.SYNC;
        final long asyncLimit = config.asyncMaxStepsPerVersion();

        /** The version acted with, and how the last committed step left it; set by {@link #resume}. */
        long resumeVersion;
        int resumeSteps;
        boolean resumeClosed;
        /** Steps taken under the current version (per actor), and whether the last batch closed it. */
        int stepsInVersion;
        boolean versionClosed;
        long version = -1;
        /** The version acted with, and its workspace. */
        ActingPolicy current;
        Workspace ws;
        /** Transitions sent in the open transaction, and when it began (0: none open). */
        int uncommitted;
        long transactionStartMs;
        long batches;

        Actors() {
            for (int i = 0; i < n; i++) {
                results[i] = new StepResult(obsDim);
                actorIds[i] = config.actorId(i);
                envState[i] = new double[envs[i].stateSize()];
            }
            record.setRunId(config.runId());
            record.setEnvId(config.envId());
        }

        /**
         * Puts every actor where its checkpoint left it, or at its first reset when it has none. The generators of an
         * actor without a checkpoint are the ones an uninterrupted connector gives it.
         */
        void resume(Map<String, ActorCheckpoint> checkpoints) {
            // The prefix enters the seed, so connector replicas started with one seed (a Deployment) but their own
            // prefixes (the pod name) explore different trajectories instead of publishing identical ones.
            SplitMixRandom root = new SplitMixRandom(config.seed() ^ (config.actorIdPrefix().hashCode() * 0x9E3779B97F4A7C15L));
            // the generators of the prefix's actors below this process's first one belong to other processes
            for (long skipped = 0; skipped < 2L * config.firstActor(); skipped++) {
                root.split();
            }
            for (int i = 0; i < n; i++) {
                envRng[i] = root.split();
                actRng[i] = root.split();
            }
            resumeVersion = -1;
            resumeSteps = 0;
            resumeClosed = true;
            boolean agreed = true;
            ActorCheckpoint first = null;
            boolean[] fresh = new boolean[n];
            for (int i = 0; i < n; i++) {
                ActorCheckpoint c = checkpoints.get(actorIds[i]);
                episodeReturnSoFar[i] = 0;
                if (c == null) {
                    episode[i] = 0;
                    stepInEpisode[i] = 0;
                    fresh[i] = true;
                    continue;
                }
                if (first == null) {
                    first = c;
                } else if (c.getPolicyVersion() != first.getPolicyVersion()
                        || c.getStepsInVersion() != first.getStepsInVersion() || c.getVersionClosed() != first.getVersionClosed()) {
                    agreed = false;
                }
                envRng[i] = generator(c.getEnvironmentRandom());
                actRng[i] = generator(c.getActionRandom());
                List<Double> state = c.getEnvironmentState();
                if (envs[i].restorable() && state != null && state.size() == envState[i].length) {
                    // the state after the step (after the reset, when that step ended an episode): restored as is,
                    // with generators that have made exactly the draws they had made then
                    for (int k = 0; k < envState[i].length; k++) {
                        envState[i][k] = state.get(k);
                    }
                    envs[i].restore(envState[i], c.getStep(), results[i].observation);
                    episode[i] = c.getEpisode();
                    stepInEpisode[i] = c.getStep();
                    episodeReturnSoFar[i] = c.getEpisodeReturn();
                    resumedExactly.increment();
                } else {
                    // the environment's state lives elsewhere: a new episode; the stream processors abandon the open one
                    episode[i] = c.getStep() == 0 ? c.getEpisode() : c.getEpisode() + 1;
                    stepInEpisode[i] = 0;
                    fresh[i] = true;
                    resumedNewEpisode.increment();
                }
            }
            if (first != null) {
                if (agreed) {
                    resumeVersion = first.getPolicyVersion();
                    resumeSteps = first.getStepsInVersion();
                    resumeClosed = first.getVersionClosed();
                } else {
                    LOG.warn("checkpoints disagree run={} prefix={}: the actors start under the next version",
                            config.runId(), config.actorIdPrefix());
                    resumeVersion = first.getPolicyVersion();
                    resumeClosed = true;
                }
                LOG.info("connector resumed run={} prefix={} actors_with_checkpoint={} of={} version={}"
                                + " steps_in_version={} version_closed={}", config.runId(), config.actorIdPrefix(),
                        checkpoints.size(), n, resumeVersion, resumeSteps, resumeClosed);
            }
            for (int i = 0; i < n; i++) {
                if (fresh[i]) {
                    envs[i].startReset(envRng[i], results[i].observation);
                }
            }
            for (int i = 0; i < n; i++) {
                if (fresh[i]) {
                    envs[i].finishReset(results[i].observation);
                }
                System.arraycopy(results[i].observation, 0, obs, i * obsDim, obsDim);
            }
            uncommitted = 0;
            transactionStartMs = 0;
        }

        private SplitMixRandom generator(List<Long> state) {
            if (state == null || state.size() != 2) {
                throw new IllegalStateException("a checkpoint's generator state must be [seed, gamma], got " + state);
            }
            return new SplitMixRandom(state.get(0), state.get(1));
        }

        /** Steps until stopped or max-steps; the open transaction is left for {@link #commit}. */
        void run() throws InterruptedException {
            boolean midVersion = resumeVersion >= 0 && !resumeClosed;
            ActingPolicy first = awaitPolicyNewerThan(midVersion ? resumeVersion - 1 : resumeVersion);
            if (first == null) {
                return;
            }
            use(first, midVersion && first.version() == resumeVersion ? resumeSteps : 0);

            while (running) {
                if (config.maxSteps() > 0 && batches >= config.maxSteps()) {
                    break;
                }
                if (sync ? stepsInVersion >= config.stepsPerVersion() : asyncLimit > 0 && stepsInVersion >= asyncLimit) {
                    ActingPolicy next = awaitPolicyNewerThan(current.version());
                    if (next == null) {
                        break;
                    }
                    use(next, 0);
                }
                ActingPolicy newest = subscriber.latest();
                policyLag.record(newest.version() - current.version());
                boolean newer = newest.version() > current.version();
                boolean lastOfVersion = sync ? stepsInVersion + 1 == config.stepsPerVersion()
                        : newer || asyncLimit > 0 && stepsInVersion + 1 >= asyncLimit;

                stepBatch(current.policy(), current.rewards(), ws, current.version(), lastOfVersion);
                stepsInVersion++;
                versionClosed = lastOfVersion;
                batches++;
                if (lastOfVersion || System.currentTimeMillis() - transactionStartMs >= config.commitIntervalMs()) {
                    commit();
                }
                if (!sync && newer) {
                    use(newest, 0);
                }
            }
        }

        /** Acts with {@code p} from now on, {@code steps} of its steps already taken. */
        private void use(ActingPolicy p, int steps) {
            current = p;
            ws = p.policy().workspace(n);
            version = p.version();
            actingVersion.set(version);
            stepsInVersion = steps;
        }

        /** One step of every actor, sent inside the open transaction (begun here when none is). */
        private void stepBatch(ActorCritic policy, RewardNormalizer rewards, Workspace ws, long policyVersion,
                               boolean lastOfVersion) {
            sampler.rewind();
            policy.act(obs, n, sampler, false, actions, logp, values, ws);

            int boot = 0;
            for (int i = 0; i < n; i++) {
                int a = i * actionDim;
                if (discrete) {
                    envActions[a] = actions[a];
                } else {
                    for (int k = 0; k < actionDim; k++) {
                        envActions[a + k] = Math.min(Math.max(actions[a + k], low[k]), high[k]);
                    }
                }
            }
            // every environment is started before any is finished: those that compute elsewhere (child
            // processes, robots) all work at once
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                envs[i].startStep(envActions, i * actionDim, results[i]);
            }
            for (int i = 0; i < n; i++) {
                envs[i].finishStep(results[i]);
            }
            long inEnvs = System.nanoTime() - t0; // published to envNanos once per batch of actor steps
            for (int i = 0; i < n; i++) {
                if (results[i].truncated || lastOfVersion) {
                    System.arraycopy(results[i].observation, 0, bootObs, boot * obsDim, obsDim);
                    bootRow[i] = boot++;
                } else {
                    bootRow[i] = -1;
                }
            }
            if (boot > 0) {
                policy.values(bootObs, boot, bootValues, ws);
            }

            KafkaProducer<String, Object> p = producer;
            if (transactionStartMs == 0) {
                p.beginTransaction();
                transactionStartMs = System.currentTimeMillis();
            }
            long now = System.currentTimeMillis();
            record.setPolicyVersion(policyVersion);
            record.setTimestampMs(now);
            record.setLastOfVersion(lastOfVersion);
            for (int i = 0; i < n; i++) {
                StepResult r = results[i];
                record.setActorId(actorIds[i]);
                record.setEpisode(episode[i]);
                record.setStep(stepInEpisode[i]);
                record.setObservation(obsView.over(obs, i * obsDim));
                if (discrete) {
                    record.setDiscreteAction((int) actions[i]);
                    record.setContinuousAction(null);
                } else {
                    record.setDiscreteAction(null);
                    record.setContinuousAction(actionView.over(actions, i * actionDim));
                }
                record.setReward(r.reward);
                record.setLearningReward(rewards.enabled() ? rewards.apply(r.reward) : null);
                record.setTerminated(r.terminated);
                record.setTruncated(r.truncated);
                record.setBehaviourLogProb(logp[i]);
                record.setValue(values[i]);
                record.setBootstrapValue(bootRow[i] >= 0 ? bootValues[bootRow[i]] : null);
                p.send(new ProducerRecord<>(topic, actorIds[i], record));
                uncommitted++;

                episodeReturnSoFar[i] += r.reward;
                if (r.done()) {
                    episodesCounter.increment();
                    if (r.success != null) {
                        (r.success ? succeeded : failed).increment();
                    }
                    episodeReturn.record(episodeReturnSoFar[i]);
                    episodeReturnSoFar[i] = 0;
                    episode[i]++;
                    stepInEpisode[i] = 0;
                } else {
                    stepInEpisode[i]++;
                }
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (results[i].done()) {
                    envs[i].startReset(envRng[i], results[i].observation);
                }
            }
            for (int i = 0; i < n; i++) {
                if (results[i].done()) {
                    envs[i].finishReset(results[i].observation);
                }
                System.arraycopy(results[i].observation, 0, obs, i * obsDim, obsDim);
            }
            inEnvs += System.nanoTime() - t1;
            envNanos += inEnvs;
            stepsTaken.addAndGet(n);
        }

        /** Writes every actor's checkpoint into the open transaction and commits it; nothing when none is open. */
        void commit() {
            if (transactionStartMs == 0) {
                return;
            }
            KafkaProducer<String, Object> p = producer;
            String checkpointTopic = topics.checkpoints().name();
            long now = System.currentTimeMillis();
            Map<String, ActorCheckpoint> sent = new HashMap<>();
            for (int i = 0; i < n; i++) {
                List<Double> state = null;
                if (envs[i].restorable()) {
                    envs[i].state(envState[i]);
                    state = new ArrayList<>(envState[i].length);
                    for (double v : envState[i]) {
                        state.add(v);
                    }
                }
                ActorCheckpoint c = new ActorCheckpoint(config.runId(), config.envId(), actorIds[i], version,
                        stepsInVersion, versionClosed, episode[i], stepInEpisode[i], episodeReturnSoFar[i], state,
                        List.of(envRng[i].seed(), envRng[i].gamma()), List.of(actRng[i].seed(), actRng[i].gamma()), now);
                p.send(new ProducerRecord<>(checkpointTopic, actorIds[i], c));
                sent.put(actorIds[i], c);
            }
            p.commitTransaction();
            lastCommitted = Map.copyOf(sent);
            transitionsCounter.increment(uncommitted);
            uncommitted = 0;
            transactionStartMs = 0;
        }
    }

    /** Waits, while running, for a version newer than {@code version}; null when stopped first. */
    private ActingPolicy awaitPolicyNewerThan(long version) throws InterruptedException {
        long start = System.nanoTime();
        long lastCheck = start;
        boolean logged = false;
        try {
            while (running) {
                ActingPolicy p = subscriber.awaitNewerThan(version, WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
                if (p != null) {
                    return p;
                }
                Throwable f = subscriber.failure();
                if (f != null) {
                    failure.compareAndSet(null, f);
                    return null;
                }
                if (!logged && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(10)) {
                    LOG.info("waiting for policy topic={} newer_than={}", topics.policies().name(), version);
                    logged = true;
                }
                if (System.nanoTime() - lastCheck > COMMIT_CHECK_NANOS) {
                    lastCheck = System.nanoTime();
                    checkLastCommitVisible(version);
                }
            }
            return null;
        } finally {
            policyWait.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
