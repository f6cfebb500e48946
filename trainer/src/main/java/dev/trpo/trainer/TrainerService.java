package dev.trpo.trainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.AdamState;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.HangingTransactions;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.RecordDecodingException;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.signing.SnapshotVerifier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;

/**
 * The trainer of one run: consumes segments, performs trust-region updates and publishes versioned policies, exactly
 * once. Runs on its own thread between {@link #start()} and {@link #close()}.
 *
 * <p><b>Start.</b> {@code initTransactions()} with transactional id {@code trpo.<run>.trainer} fences any older
 * trainer of the run and aborts its open transaction. Then the newest committed snapshot is read from the policies
 * topic ({@code read_committed}, to the end) and the consumer is positioned at the group's committed offsets, which
 * were committed in the same transaction as that snapshot; with no snapshot, version 0 is created from the seed and
 * published.
 *
 * <p><b>Each update.</b> Segments are read {@code read_committed} into a {@link SegmentBuffer} until a batch is
 * complete; the {@link Learner} trains on it; one transaction then publishes snapshot v+1 to the policies and history
 * topics, dead-letters the invalid records the batch skipped, and commits the batch's offsets
 * ({@code sendOffsetsToTransaction}). A trainer killed at any instant restarts from the last committed version, and
 * the samples after it are read again: none is trained twice or lost.
 *
 * <p><b>Signing.</b> With a {@link TrainerSettings#signer() signer}, both records of every snapshot carry its Ed25519
 * signature over their value bytes ({@link dev.trpo.schemas.signing.SignatureHeaders}), sent in the same transaction,
 * and the trainer restores only from a snapshot its own key signed: one written by anyone else is skipped with a
 * warning, never trained on and signed over.
 *
 * <p><b>Failure.</b> A fenced trainer logs "another trainer took over run X" and stops with {@link Status#FENCED};
 * any other error aborts the open transaction and stops with {@link Status#FAILED} (restart it: it resumes).
 */
public final class TrainerService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);
    /** Wait between sessions while the broker is unreachable. */
    static final Duration RETRY_BACKOFF = Duration.ofSeconds(2);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long PARTITION_REFRESH_MS = 30_000;

    /** Where a running trainer is. */
    public enum Status {
        /** Constructed, or connecting and restoring. */
        STARTING,
        /** Consuming and updating. */
        RUNNING,
        /** Published {@code maxVersions} and stopped. */
        COMPLETED,
        /** Closed by {@link #close()}. */
        STOPPED,
        /** Another trainer of the run took over. */
        FENCED,
        /** Stopped on an error; see {@link #failure()}. */
        FAILED;

        /** Whether the trainer thread has ended. */
        public boolean terminal() {
            return this != STARTING && this != RUNNING;
        }
    }

    /** Test seam: where a simulated kill may strike. */
    enum Stage {
        /** A batch is collected; nothing of the update is sent yet. */
        BATCH_COLLECTED,
        /** The snapshot and offsets are sent inside the open transaction; it is not committed yet. */
        BEFORE_COMMIT
    }

    /** Test seam: called at each {@link Stage}; throwing {@link Kill} stops the trainer like {@code kill -9}. */
    interface Faults {
        Faults NONE = (stage, version) -> { };

        void at(Stage stage, long version);
    }

    /** Thrown by {@link Faults} to end the trainer thread without committing, aborting or closing cleanly. */
    static final class Kill extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Kill() {
            super("simulated kill", null, false, false);
        }
    }

    private final TrainerSettings settings;
    private final Map<String, Object> kafkaProps;
    private final Topics topics;
    private final TrainerMetrics metrics;
    /** How long a batch may wait without a version published before the trainer says why. */
    static final int STALL_TIMEOUT_SECONDS = 30;
    private final StallReporter stalls;
    private final Faults faults;
    private final AvroSerde<Segment> segmentSerde = AvroSerde.of(Segment.class);
    private final AvroSerde<PolicySnapshot> snapshotSerde = AvroSerde.of(PolicySnapshot.class);
    private final List<Consumer<PolicySnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final Object monitor = new Object();
    private final Thread thread;

    private volatile boolean running = true;
    private volatile Status status = Status.STARTING;
    private volatile Throwable failure;
    private volatile PolicySnapshot latest;
    private volatile KafkaConsumer<byte[], byte[]> liveConsumer;

    /**
     * A trainer; nothing connects before {@link #start()}.
     *
     * @param kafkaProps client properties passed to both clients (bootstrap.servers, security); the trainer sets the
     *                   group id, transactional id, isolation level and serializers itself
     * @param registry   where the meters of {@link TrainerMetrics} are registered
     */
    public TrainerService(TrainerSettings settings, Map<String, Object> kafkaProps, MeterRegistry registry) {
        this(settings, kafkaProps, registry, Faults.NONE);
    }

    private final MeterRegistry registry;

    TrainerService(TrainerSettings settings, Map<String, Object> kafkaProps, MeterRegistry registry, Faults faults) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.kafkaProps = Map.copyOf(Objects.requireNonNull(kafkaProps, "kafkaProps"));
        this.topics = Topics.forRun(settings.runId());
        this.metrics = new TrainerMetrics(Objects.requireNonNull(registry, "registry"), settings.runId(),
                settings.env().envId());
        this.faults = faults;
        this.registry = registry;
        this.stalls = new StallReporter(settings.runId(), topics.dlq().name(),
                TimeUnit.SECONDS.toNanos(STALL_TIMEOUT_SECONDS), System::nanoTime, metrics);
        this.stalls.hangingTransactions(this::hangingTransactions);
        this.thread = new Thread(this::run, "trpo-trainer-" + settings.runId());
    }

    /**
     * The hanging transactions on the transitions and segments topics, described; none when they cannot be looked
     * at (describing producers needs Read on both topics, which a trainer limited to its own topics lacks: then once a
     * DEBUG line).
     */
    private List<String> hangingTransactions() {
        long now = System.currentTimeMillis();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafkaProps)) {
            var parts = HangingTransactions.partitions(admin, List.of(topics.transitions().name(), topics.segments().name()));
            return new HangingTransactions(admin, java.time.Duration.ofSeconds(STALL_TIMEOUT_SECONDS)).find(parts, now)
                    .stream().map(o -> o.describe(now)).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            LOG.debug("hanging transactions not looked at: {}", e.toString());
            return List.of();
        }
    }

    /**
     * Calls {@code listener} on the trainer thread with every stall report: a batch that has not filled for
     * {@value #STALL_TIMEOUT_SECONDS} s, the actors it misses and why (see {@link StallReporter}).
     */
    public void onStall(Consumer<String> listener) {
        stalls.onStall(listener);
    }

    /** Calls {@code listener} on the trainer thread with every snapshot published (and with the restored one). */
    public void onPublished(Consumer<PolicySnapshot> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Starts the trainer thread. */
    public void start() {
        thread.start();
    }

    /** The current status. */
    public Status status() {
        return status;
    }

    /** Why the trainer stopped with {@link Status#FAILED} or {@link Status#FENCED}, or null. */
    public Throwable failure() {
        return failure;
    }

    /** The newest snapshot published or restored, or null before the first. */
    public PolicySnapshot latestSnapshot() {
        return latest;
    }

    /** The newest version published or restored, or -1. */
    public long version() {
        PolicySnapshot s = latest;
        return s == null ? -1 : s.getVersion();
    }

    /**
     * Waits until version {@code v} is published (or was restored), the trainer stops, or the timeout passes.
     *
     * @return true when version {@code v} or a newer one is committed
     */
    public boolean awaitVersion(long v, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (version() < v && !status.terminal()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                monitor.wait(Math.max(1, left / 1_000_000));
            }
        }
        return version() >= v;
    }

    /**
     * Waits for the trainer thread to end.
     *
     * @return the final status, or the current one when the timeout passed first
     */
    public Status awaitTermination(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return status;
    }

    /**
     * Stops the trainer: an update in progress finishes and commits, then the clients close. Idempotent.
     */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = liveConsumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (session() && running) {
            try {
                Thread.sleep(RETRY_BACKOFF.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /**
     * One session of the clients: open them, restore the newest published version, train.
     *
     * @return true when the session ended because the broker was unreachable, and the trainer should retry
     */
    private boolean session() {
        boolean retry = false;
        KafkaProducer<byte[], byte[]> producer = null;
        KafkaConsumer<byte[], byte[]> consumer = null;
        KafkaClientMetrics producerMetrics = null;
        KafkaClientMetrics consumerMetrics = null;
        boolean killed = false;
        Status end = Status.STOPPED;
        try {
            producer = new KafkaProducer<>(producerProps());
            producerMetrics = new KafkaClientMetrics(producer, metrics.tags());
            producerMetrics.bindTo(registry);
            producer.initTransactions();
            consumer = new KafkaConsumer<>(consumerProps());
            consumerMetrics = new KafkaClientMetrics(consumer, metrics.tags());
            consumerMetrics.bindTo(registry);
            liveConsumer = consumer;
            if (!running) {
                throw new WakeupException();
            }
            TrainingState state = restoreOrCreate(producer);
            end = loop(state, producer, consumer);
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            LOG.error("another trainer took over run {}: this one stops (transactional.id {} was fenced)",
                    settings.runId(), settings.clientId());
            failure = e;
            end = Status.FENCED;
        } catch (WakeupException e) {
            end = running ? Status.FAILED : Status.STOPPED;
            if (running) {
                failure = e;
            }
        } catch (Kill e) {
            killed = true;
            end = Status.STOPPED;
        } catch (RuntimeException | Error e) {
            if (isFencing(e)) {
                LOG.error("another trainer took over run {}: this one stops (transactional.id {} was fenced)",
                        settings.runId(), settings.clientId());
                failure = e;
                end = Status.FENCED;
                return false;
            }
            if (running && isTransient(e)) {
                // the transaction in flight is dropped (its offsets were not committed): the next session restores
                // the newest published version and reads the segments after its committed offsets again
                LOG.warn("broker unreachable run={} error=\"{}\": retrying in {} s from the newest published version",
                        settings.runId(), e.toString(), RETRY_BACKOFF.toSeconds());
                metrics.brokerRetry();
                retry = true;
                return retry;
            }
            LOG.error("trainer of run {} failed: {}", settings.runId(), e.toString(), e);
            failure = e;
            end = Status.FAILED;
            abortQuietly(producer);
        } finally {
            liveConsumer = null;
            // A kill leaves the transaction open: the next trainer's initTransactions() aborts it.
            Duration t = killed ? Duration.ZERO : Duration.ofSeconds(5);
            if (consumer != null) {
                consumer.close(CloseOptions.timeout(t));
            }
            if (producer != null) {
                producer.close(t);
            }
            if (producerMetrics != null) {
                producerMetrics.close();
            }
            if (consumerMetrics != null) {
                consumerMetrics.close();
            }
            if (!retry) {
                synchronized (monitor) {
                    status = end;
                    monitor.notifyAll();
                }
            }
        }
        return retry;
    }

    /** A failure the broker's absence explains: a timeout or a retriable error; fencing and authorisation are not. */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthorizationException
                    || t instanceof org.apache.kafka.common.errors.AuthenticationException
                    || t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return false;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.TimeoutException
                    || t instanceof org.apache.kafka.common.errors.RetriableException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof org.apache.kafka.common.KafkaException && m != null && m.contains("timed out")) {
                return true;
            }
        }
        return false;
    }

    private Status loop(TrainingState initial, KafkaProducer<byte[], byte[]> producer,
                        KafkaConsumer<byte[], byte[]> consumer) {
        TrainingState state = initial;
        Hyperparameters hp = settings.hyperparameters();
        Learner learner = new Learner(hp);
        SegmentBuffer buffer = new SegmentBuffer();
        Set<TopicPartition> assigned = new HashSet<>();
        long lastRefresh = 0;
        long lastPublishNanos = System.nanoTime();
        synchronized (monitor) {
            status = Status.RUNNING;
            monitor.notifyAll();
        }
        while (running) {
            if (settings.maxVersions() > 0 && state.version() >= settings.maxVersions()) {
                return Status.COMPLETED;
            }
            if (System.currentTimeMillis() - lastRefresh > PARTITION_REFRESH_MS || assigned.isEmpty()) {
                assignNewPartitions(consumer, assigned);
                lastRefresh = System.currentTimeMillis();
            }
            if (buffer.fill(state.version(), hp.mode(), hp.maxPolicyLag(), hp.batchSteps())) {
                SegmentBuffer.Collected batch = buffer.take();
                faults.at(Stage.BATCH_COLLECTED, state.version());

                long t0 = System.nanoTime();
                Learner.Outcome out = learner.step(state, batch.segments(), batch.staleDropped(),
                        snapshotHyperParameters());
                Duration took = Duration.ofNanos(System.nanoTime() - t0);

                PolicySnapshot snapshot = publish(producer, consumer, out.next(), batch);
                state = out.next();
                long now = System.nanoTime();
                double sps = out.samples() / Math.max(1e-9, (now - lastPublishNanos) / 1e9);
                lastPublishNanos = now;
                long lag = maxLag(batch, out.next().version() - 1);
                metrics.staleDropped(batch.staleDropped());
                metrics.futureDropped(batch.futureDropped());
                stalls.published();
                metrics.update(out.stats(), out.samples(), took, sps, lag);
                metrics.rewardScale(out.next().rewards().scale());
                logUpdate(snapshot, out, batch, took, sps, lag);
                announce(snapshot);
                continue;
            }
            Set<TopicPartition> blocked = buffer.blocked(state.version());
            Set<TopicPartition> resume = new HashSet<>(consumer.paused());
            resume.removeAll(blocked);
            if (!resume.isEmpty()) {
                consumer.resume(resume);
            }
            if (!blocked.isEmpty()) {
                consumer.pause(blocked);
            }
            stalls.check(state.version(), buffer, hp.batchSteps());
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(settings.pollTimeout())) {
                SegmentBuffer.Entry e = decode(r);
                if (e.segment() != null) {
                    stalls.seen(e.segment().getActorId());
                }
                buffer.add(e);
            }
        }
        return Status.STOPPED;
    }

    private SegmentBuffer.Entry decode(ConsumerRecord<byte[], byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Segment s;
        try {
            s = segmentSerde.decode(r.value());
        } catch (RecordDecodingException e) {
            return invalid(tp, r, "undecodable", e.getMessage());
        }
        if (s == null) {
            return invalid(tp, r, "undecodable", "null value (tombstone) on the segments topic");
        }
        if (!settings.runId().equals(s.getRunId())) {
            return invalid(tp, r, "wrong-run", "segment of run " + s.getRunId());
        }
        String reason = Learner.invalidReason(s, settings.env().observationSize(), settings.env().actionSpace());
        if (reason != null) {
            return invalid(tp, r, reason, "segment of actor " + s.getActorId() + " does not fit "
                    + settings.env().envId());
        }
        return SegmentBuffer.Entry.valid(tp, r.offset(), s, r.value());
    }

    private SegmentBuffer.Entry invalid(TopicPartition tp, ConsumerRecord<byte[], byte[]> r, String reason, String detail) {
        metrics.invalidSegment();
        LOG.warn("segment dead-lettered run={} topic={} partition={} offset={} reason={} detail=\"{}\"",
                settings.runId(), r.topic(), r.partition(), r.offset(), reason, detail);
        return SegmentBuffer.Entry.invalid(tp, r.offset(), r.value(), reason, detail);
    }

    /** One transaction: snapshot to policies and history, invalid records to the dlq, the batch's offsets. */
    private PolicySnapshot publish(KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> consumer,
                                   TrainingState next, SegmentBuffer.Collected batch) {
        PolicySnapshot snapshot = SnapshotCodec.encode(settings.runId(), next, System.currentTimeMillis());
        producer.beginTransaction();
        sendSnapshot(producer, snapshot);
        for (SegmentBuffer.Entry e : batch.invalid()) {
            ProducerRecord<byte[], byte[]> dlq = new ProducerRecord<>(topics.dlq().name(), null, e.invalidBytes());
            header(dlq, DlqHeaders.REASON, e.invalidReason());
            header(dlq, DlqHeaders.DETAIL, e.invalidDetail());
            header(dlq, DlqHeaders.SOURCE_TOPIC, e.partition().topic());
            header(dlq, DlqHeaders.SOURCE_PARTITION, Integer.toString(e.partition().partition()));
            header(dlq, DlqHeaders.SOURCE_OFFSET, Long.toString(e.offset()));
            producer.send(dlq);
        }
        if (!batch.offsets().isEmpty()) {
            producer.sendOffsetsToTransaction(batch.offsets(), consumer.groupMetadata());
        }
        faults.at(Stage.BEFORE_COMMIT, next.version() - 1);
        producer.commitTransaction();
        return snapshot;
    }

    /**
     * Sends {@code snapshot} to the policies and history topics in the open transaction, both records signed when
     * the trainer has a signing key (over the same value bytes, so either record verifies).
     */
    private void sendSnapshot(KafkaProducer<byte[], byte[]> producer, PolicySnapshot snapshot) {
        for (ProducerRecord<byte[], byte[]> r : topics.snapshotRecords(snapshotSerde.encode(snapshot), settings.signer())) {
            producer.send(r);
        }
    }

    private static void header(ProducerRecord<byte[], byte[]> r, String name, String value) {
        r.headers().add(new RecordHeader(name, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8)));
    }

    private TrainingState restoreOrCreate(KafkaProducer<byte[], byte[]> producer) {
        PolicySnapshot newest = readNewestSnapshot();
        if (newest != null) {
            TrainingState restored = SnapshotCodec.decode(newest);
            checkSameEnvironment(restored);
            warnOnChangedSettings(restored);
            LOG.info("restored run={} env={} version={} total_steps={} updates={} seed={}", settings.runId(),
                    restored.envId(), restored.version(), restored.counters().totalSteps(),
                    restored.counters().updates(), restored.seed());
            metrics.version(restored.version());
            metrics.rewardScale(restored.rewards().scale());
            if (newest.getVersion() > version()) {
                announce(newest); // not again after a retry that found the version it had published
            }
            return restored;
        }
        Hyperparameters hp = settings.hyperparameters();
        EnvSpec env = settings.env();
        ActorCritic ac = ActorCritic.create(env.observationSize(), env.actionSpace(), hp.hiddenSizesArray(),
                hp.activation(), hp.logStdInit(), hp.normalizeObservations(), settings.seed());
        if (hp.normalizeObservations() && hp.observationClip() != ac.normalizer().clip()) {
            ac = ActorCritic.fromParts(ac.obsDim(), ac.actionSpace(), ac.actorHidden(), ac.criticHidden(),
                    ac.activation(), ac.actorParameters(), ac.criticParameters(),
                    dev.trpo.policy.ObservationNormalizer.of(ac.normalizer().mean(), ac.normalizer().var(),
                            ac.normalizer().count(), hp.observationClip()));
        }
        dev.trpo.policy.RewardNormalizer rewards = hp.rewardNormalizer();
        TrainingState v0 = new TrainingState(0, -1, env.envId(), ac, new AdamState(ac.criticParameters().length),
                settings.seed(), snapshotHyperParameters(), TrainingState.Counters.ZERO, rewards,
                new java.util.TreeMap<>(), Learner.keptScales(hp, rewards, 0, Map.of()));
        PolicySnapshot snapshot = SnapshotCodec.encode(settings.runId(), v0, System.currentTimeMillis());
        producer.beginTransaction();
        sendSnapshot(producer, snapshot);
        producer.commitTransaction();
        LOG.info("published run={} env={} version=0 seed={} actor_params={} critic_params={}", settings.runId(),
                env.envId(), settings.seed(), ac.actorParameters().length, ac.criticParameters().length);
        announce(snapshot);
        return v0;
    }

    /** Reads the policies topic to its end (read_committed) and returns the newest snapshot of this run, or null. */
    private PolicySnapshot readNewestSnapshot() {
        Map<String, Object> props = new HashMap<>(kafkaProps);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.clientId() + "-restore");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_POLICY_BYTES);
        PolicySnapshot newest = null;
        // with a signing key, only what this key signed is restored: the next version is signed over its parent
        SnapshotVerifier own = settings.signer() == null ? SnapshotVerifier.NONE : settings.signer().ownVerifier();
        long refused = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            List<TopicPartition> tps = partitionsOf(c, topics.policies().name());
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            while (!reached(c, end)) {
                if (!running) {
                    throw new WakeupException();
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(settings.pollTimeout())) {
                    PolicySnapshot s = snapshotSerde.decode(r.value());
                    SnapshotVerifier.Refusal why = s == null ? null : own.refusal(r.value(), r.headers());
                    if (why != null) {
                        refused++;
                        LOG.warn("policy refused run={} version={} offset={} reason={}: not restored from (the trainer"
                                + " restores only from snapshots signed with its key {})", settings.runId(),
                                s.getVersion(), r.offset(), why.reason(), settings.signer().keyId());
                        continue;
                    }
                    if (s != null && settings.runId().equals(s.getRunId())
                            && (newest == null || s.getVersion() > newest.getVersion())) {
                        newest = s;
                    }
                }
            }
        }
        if (newest == null && refused > 0) {
            throw new IllegalArgumentException("run " + settings.runId() + " has " + refused + " snapshot(s) on "
                    + topics.policies().name() + " and none signed with the trainer's key " + settings.signer().keyId()
                    + ": a trainer with --signing-key restores only from its own snapshots; train it on without"
                    + " --signing-key, or start a new --run-id");
        }
        return newest;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** The partitions of a topic, waiting (and saying so once) until the topic exists. */
    private List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> c, String topic) {
        boolean told = false;
        while (true) {
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> tps = new ArrayList<>();
                for (PartitionInfo p : infos) {
                    tps.add(new TopicPartition(topic, p.partition()));
                }
                tps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
                return tps;
            }
            if (!told) {
                LOG.warn("waiting for topic {} to exist (create the run's topics first, e.g. ./trpo topics)", topic);
                told = true;
            }
            if (!running) {
                throw new WakeupException();
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
    }

    /** Assigns segment partitions not assigned yet, at their committed offsets (or the beginning). */
    private void assignNewPartitions(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> assigned) {
        List<TopicPartition> all = partitionsOf(consumer, topics.segments().name());
        Set<TopicPartition> fresh = new HashSet<>(all);
        fresh.removeAll(assigned);
        if (fresh.isEmpty()) {
            return;
        }
        assigned.addAll(fresh);
        consumer.assign(assigned);
        // read_committed consumers fetch committed offsets with require_stable: a commit still in doubt waits.
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(fresh);
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : fresh) {
            OffsetAndMetadata om = committed.get(tp);
            if (om == null) {
                fromStart.add(tp);
            } else {
                consumer.seek(tp, om.offset());
            }
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
    }

    private Map<String, Object> producerProps() {
        Map<String, Object> p = new HashMap<>(kafkaProps);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.clientId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.clientId() + "-producer");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(Topics.MAX_POLICY_BYTES,
                intProp(kafkaProps.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG))));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    private Map<String, Object> consumerProps() {
        Map<String, Object> p = new HashMap<>(kafkaProps);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.clientId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.clientId() + "-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    private static int intProp(Object v) {
        if (v == null) {
            return 0;
        }
        try {
            return Integer.parseInt(v.toString().strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The snapshot's hyper-parameter map: every key, plus the env id (for readers of the snapshot). */
    private Map<String, String> snapshotHyperParameters() {
        return settings.hyperparameters().toMap();
    }

    /** A run's policy cannot change environment: its snapshot decides, and a different --env is a user error. */
    private void checkSameEnvironment(TrainingState restored) {
        EnvSpec env = settings.env();
        ActorCritic ac = restored.policy();
        if (!restored.envId().equals(env.envId()) || ac.obsDim() != env.observationSize()
                || !ac.actionSpace().equals(env.actionSpace())) {
            throw new IllegalArgumentException("run " + settings.runId() + " was trained on " + restored.envId()
                    + " (observation size " + ac.obsDim() + ", " + ac.actionSpace() + ") up to version "
                    + restored.version() + "; it cannot continue on " + env.envId() + " (observation size "
                    + env.observationSize() + ", " + env.actionSpace() + "): use a new --run-id");
        }
    }

    private void warnOnChangedSettings(TrainingState restored) {
        if (restored.seed() != settings.seed()) {
            LOG.warn("run {} resumes with the seed stored in its snapshot ({}), not --seed {}", settings.runId(),
                    restored.seed(), settings.seed());
        }
        Map<String, String> now = settings.hyperparameters().toMap();
        now.forEach((k, v) -> {
            String before = restored.hyperParameters().get(k);
            if (before != null && !before.equals(v)) {
                LOG.warn("run {} resumes with {}={} (the snapshot of version {} was trained with {})", settings.runId(),
                        k, v, restored.version(), before);
            }
        });
        String nowHidden = now.get(Hyperparameters.HIDDEN_SIZES);
        String beforeHidden = restored.hyperParameters().get(Hyperparameters.HIDDEN_SIZES);
        if (beforeHidden != null && !beforeHidden.equals(nowHidden)) {
            LOG.warn("run {}: the network shape comes from the snapshot ({}); {} is ignored on resume",
                    settings.runId(), beforeHidden, nowHidden);
        }
    }

    /** How many versions older than {@code version} the oldest sample of the batch is (0 in sync mode). */
    private static long maxLag(SegmentBuffer.Collected batch, long version) {
        long lag = 0;
        for (Segment s : batch.segments()) {
            lag = Math.max(lag, version - s.getPolicyVersion());
        }
        return lag;
    }

    private void logUpdate(PolicySnapshot s, Learner.Outcome out, SegmentBuffer.Collected batch, Duration took,
                           double sps, long lag) {
        var st = out.stats();
        LOG.info("update run={} env={} version={} samples={} episodes={} max_lag={} stale_dropped={} invalid={} accepted={}"
                        + " reject_reason={} kl={} surrogate_improvement={} line_search_steps={} cg_iterations={}"
                        + " cg_residual={} entropy={} value_loss={} explained_variance={} reward_scale={} update_ms={}"
                        + " samples_per_s={}",
                settings.runId(), settings.env().envId(), s.getVersion(), out.samples(), out.episodes(), lag,
                batch.staleDropped(), batch.invalid().size(), st.accepted(),
                st.rejectReason() == null ? "none" : st.rejectReason(), fmt(st.klOldNew()),
                fmt(st.surrogateAfter() - st.surrogateBefore()), st.lineSearchSteps(), st.cgIterations(),
                fmt(st.cgResidual()), fmt(st.entropy()), fmt(st.valueLossAfter()), fmt(st.explainedVariance()),
                fmt(out.next().rewards().scale()), took.toMillis(), String.format(java.util.Locale.ROOT, "%.0f", sps));
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.6g", v);
    }

    private void announce(PolicySnapshot s) {
        synchronized (monitor) {
            latest = s;
            metrics.version(s.getVersion());
            monitor.notifyAll();
        }
        for (Consumer<PolicySnapshot> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.warn("a snapshot listener failed on version {}: {}", s.getVersion(), e.toString());
            }
        }
    }

    private static boolean isFencing(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    private static void abortQuietly(KafkaProducer<byte[], byte[]> producer) {
        if (producer == null) {
            return;
        }
        try {
            producer.abortTransaction();
        } catch (RuntimeException ignored) {
            // no transaction open, or the producer is unusable: the next trainer's initTransactions aborts it
        }
    }
}
