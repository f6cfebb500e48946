package dev.trpo.connectors.runtime;

import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.EnvironmentFailure;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.StepResult;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.policy.Workspace;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * <p>The producer is idempotent (acks=all) with lz4 compression and large batches; properties given by the
 * caller override those defaults. {@link #close()} stops after the current batch and flushes every record
 * already sent.
 */
public final class ConnectorRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorRuntime.class);
    /** How often a waiting actor loop rechecks that it is still running. */
    private static final long WAIT_SLICE_MS = 200;

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
    private volatile KafkaProducer<String, Transition> producer;
    private volatile KafkaClientMetrics producerMetrics;
    private final MeterRegistry registry;
    private final Tags tags;

    private final Counter transitionsCounter;
    private final Counter episodesCounter;
    private final Counter succeeded;
    private final Counter failed;
    private final Counter sendErrors;
    private final DistributionSummary episodeReturn;
    private final DistributionSummary policyLag;
    private final Timer policyWait;
    private final AtomicLong actingVersion = new AtomicLong(-1);
    private final AtomicLong stepsTaken = new AtomicLong();
    private final Callback sendCallback;

    /**
     * @param config     what to run
     * @param kafkaProps client properties (bootstrap.servers, security ...), passed through to producer and consumer
     * @param registry   where the connector's meters ({@link ConnectorMetrics}) are registered
     */
    public ConnectorRuntime(ConnectorConfig config, Map<String, Object> kafkaProps, MeterRegistry registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.kafkaProps = Map.copyOf(Objects.requireNonNull(kafkaProps, "kafkaProps"));
        Objects.requireNonNull(registry, "registry");
        this.topics = Topics.forRun(config.runId());
        this.envs = Environments.create(config.envId(), config.actors(), config::actorId).toArray(Environment[]::new);
        Tags tags = Tags.of("run", config.runId(), "env", config.envId());
        this.tags = tags;
        this.registry = registry;
        this.transitionsCounter = Counter.builder(ConnectorMetrics.TRANSITIONS).tags(tags)
                .description("transitions acknowledged by the broker").register(registry);
        this.episodesCounter = Counter.builder(ConnectorMetrics.EPISODES).tags(tags)
                .description("episodes finished").register(registry);
        this.succeeded = Counter.builder(ConnectorMetrics.EPISODE_OUTCOMES).tags(tags.and("outcome", "success"))
                .description("finished episodes the environment judged").register(registry);
        this.failed = Counter.builder(ConnectorMetrics.EPISODE_OUTCOMES).tags(tags.and("outcome", "failure"))
                .description("finished episodes the environment judged").register(registry);
        this.sendErrors = Counter.builder(ConnectorMetrics.SEND_ERRORS).tags(tags)
                .description("transitions the producer failed to deliver").register(registry);
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
        this.subscriber = new PolicySubscriber(topics.policies(), envs[0], this.kafkaProps, registry, tags);
        this.sendCallback = (metadata, exception) -> {
            if (exception == null) {
                transitionsCounter.increment();
            } else {
                sendErrors.increment();
                if (failure.compareAndSet(null, exception)) {
                    LOG.error("transition not delivered topic={} error={}", topics.transitions().name(), exception.toString());
                }
                running = false;
            }
        };
        this.thread = new Thread(this::runLoop, "trpo-connector-" + config.runId());
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

    /** Starts following the policies topic and stepping; returns at once. */
    public synchronized void start() {
        if (running || thread.isAlive()) {
            throw new IllegalStateException("connector already started");
        }
        Serializer<String> keys = topics.transitions().keySerde().serializer();
        Serializer<Transition> values = topics.transitions().valueSerde().serializer();
        producer = new KafkaProducer<>(producerProperties(kafkaProps, "trpo-connector-" + config.actorIdPrefix()),
                keys, values);
        producerMetrics = new KafkaClientMetrics(producer, tags);
        producerMetrics.bindTo(registry);
        running = true;
        subscriber.start();
        thread.start();
        LOG.info("connector started run={} env={} actors={} mode={} steps_per_version={} seed={} topic={}",
                config.runId(), config.envId(), config.actors(), config.mode().name().toLowerCase(),
                config.stepsPerVersion(), config.seed(), topics.transitions().name());
    }

    /** @return the error that stopped the connector (a failed send, a failed subscriber), or null */
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

    /** Stops after the current step batch, flushes every record sent, and closes the clients. Idempotent. */
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
        KafkaProducer<String, Transition> p = producer;
        if (p != null) {
            producer = null;
            p.flush();
            p.close(Duration.ofSeconds(30));
            producerMetrics.close();
            LOG.info("connector stopped run={} steps={} acting_version={}", config.runId(), stepsTaken.get(),
                    actingVersion.get());
        }
    }

    private void runLoop() {
        try {
            step();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
            if (e instanceof EnvironmentFailure) {
                // the environment's own failure, worded by it: a stack trace of the connector would add nothing
                LOG.error("connector failed run={} error={}", config.runId(), e.getMessage());
            } else {
                LOG.error("connector failed run={} error={}", config.runId(), e.toString(), e);
            }
        } finally {
            running = false;
        }
    }

    /** The actor loop: everything it touches per step is allocated here, once. */
    private void step() throws InterruptedException {
        final int n = envs.length;
        final Environment proto = envs[0];
        final int obsDim = proto.observationSize();
        final ActionSpace space = proto.actionSpace();
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
        final SplittableRandom[] envRng = new SplittableRandom[n];
        final SplittableRandom[] actRng = new SplittableRandom[n];
        final String[] actorIds = new String[n];
        final long[] episode = new long[n];
        final int[] stepInEpisode = new int[n];
        final double[] episodeReturnSoFar = new double[n];
        // The prefix enters the seed, so connector replicas started with one seed (a Deployment) but their own
        // prefixes (the pod name) explore different trajectories instead of publishing identical ones.
        SplittableRandom root = new SplittableRandom(config.seed() ^ (config.actorIdPrefix().hashCode() * 0x9E3779B97F4A7C15L));
        for (int i = 0; i < n; i++) {
            envRng[i] = root.split();
            actRng[i] = root.split();
            results[i] = new StepResult(obsDim);
            actorIds[i] = config.actorId(i);
            envs[i].startReset(envRng[i], results[i].observation);
        }
        for (int i = 0; i < n; i++) {
            envs[i].finishReset(results[i].observation);
            System.arraycopy(results[i].observation, 0, obs, i * obsDim, obsDim);
        }
        final PerActorRandom sampler = new PerActorRandom(actRng, actionDim);
        final DoubleListView obsView = new DoubleListView(obsDim);
        final DoubleListView actionView = new DoubleListView(actionDim);
        final Transition record = new Transition();
        record.setRunId(config.runId());
        record.setEnvId(config.envId());
        final String topic = topics.transitions().name();
        final boolean sync = config.mode() == ConnectorMode.SYNC;
        final long asyncLimit = config.asyncMaxStepsPerVersion();

        ActingPolicy current = awaitPolicyNewerThan(-1);
        if (current == null) {
            return;
        }
        ActorCritic policy = current.policy();
        RewardNormalizer rewards = current.rewards();
        Workspace ws = policy.workspace(n);
        actingVersion.set(current.version());
        int stepsInVersion = 0;
        long batches = 0;

        while (running) {
            if (config.maxSteps() > 0 && batches >= config.maxSteps()) {
                break;
            }
            if (sync ? stepsInVersion == config.stepsPerVersion() : asyncLimit > 0 && stepsInVersion >= asyncLimit) {
                ActingPolicy next = awaitPolicyNewerThan(current.version());
                if (next == null) {
                    break;
                }
                current = next;
                policy = next.policy();
                rewards = next.rewards();
                ws = policy.workspace(n);
                actingVersion.set(current.version());
                stepsInVersion = 0;
            }
            ActingPolicy newest = subscriber.latest();
            policyLag.record(newest.version() - current.version());
            boolean newer = newest.version() > current.version();
            boolean lastOfVersion = sync ? stepsInVersion + 1 == config.stepsPerVersion()
                    : newer || asyncLimit > 0 && stepsInVersion + 1 >= asyncLimit;

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

            long now = System.currentTimeMillis();
            record.setPolicyVersion(current.version());
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
                producer.send(new ProducerRecord<>(topic, actorIds[i], record), sendCallback);

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
            stepsInVersion++;
            batches++;
            if (!sync && newer) {
                current = newest;
                policy = newest.policy();
                rewards = newest.rewards();
                ws = policy.workspace(n);
                actingVersion.set(current.version());
                stepsInVersion = 0;
            }
        }
    }

    /** Waits, while running, for a version newer than {@code version}; null when stopped first. */
    private ActingPolicy awaitPolicyNewerThan(long version) throws InterruptedException {
        long start = System.nanoTime();
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
            }
            return null;
        } finally {
            policyWait.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
