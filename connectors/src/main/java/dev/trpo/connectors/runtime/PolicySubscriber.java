package dev.trpo.connectors.runtime;

import dev.trpo.connectors.env.Environment;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TopicSpec;
import dev.trpo.schemas.signing.SnapshotVerifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a run's policies topic on its own thread (read_committed, no consumer group) and holds the newest
 * version it has read, rebuilt as an {@link ActorCritic}. A record that does not decode or does not fit the
 * environment is logged, counted and skipped; it never stops the subscriber. With a {@link SnapshotVerifier}, a record
 * whose signature it refuses is logged on one WARN line (run, version, offset, reason), counted in
 * {@link ConnectorMetrics#POLICIES_REFUSED} and skipped: the actors go on with the last good version.
 */
public final class PolicySubscriber implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicySubscriber.class);
    /** How far back from the end the first read starts: the newest committed snapshot is among the last few. */
    private static final long TAIL_RECORDS = 32;
    private static final Duration POLL = Duration.ofMillis(100);

    private final TopicSpec<String, PolicySnapshot> topic;
    private final String envId;
    private final int observationSize;
    private final Map<String, Object> consumerProps;
    private final Counter rejectedDecode;
    private final Counter rejectedMismatch;
    private final SnapshotVerifier verifier;
    private final Map<SnapshotVerifier.Refusal, Counter> refused = new EnumMap<>(SnapshotVerifier.Refusal.class);
    private final String runId;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Throwable failure;
    private ActingPolicy latest; // guarded by this

    /**
     * @param topic       the run's policies topic
     * @param env         an instance of the environment the connector runs (for the size checks)
     * @param kafkaProps  client properties (bootstrap.servers, security ...), passed through
     * @param registry    where the rejection counters go
     * @param tags        the connector's tags (run, env)
     * @param verifier    which snapshots may be acted with ({@link SnapshotVerifier#NONE}: all)
     */
    public PolicySubscriber(TopicSpec<String, PolicySnapshot> topic, Environment env, Map<String, Object> kafkaProps,
                            MeterRegistry registry, Tags tags, SnapshotVerifier verifier) {
        this.topic = topic;
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.runId = tags.stream().filter(t -> t.getKey().equals("run")).map(Tag::getValue).findFirst()
                .orElse(topic.name());
        this.envId = env.id();
        this.observationSize = env.observationSize();
        Map<String, Object> props = new HashMap<>(kafkaProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "trpo-connector-policies-" + topic.name());
        this.consumerProps = props;
        this.rejectedDecode = Counter.builder(ConnectorMetrics.POLICY_REJECTED).tags(tags).tag("reason", "decode")
                .description("policy records that could not be used").register(registry);
        this.rejectedMismatch = Counter.builder(ConnectorMetrics.POLICY_REJECTED).tags(tags).tag("reason", "mismatch")
                .description("policy records that could not be used").register(registry);
        for (SnapshotVerifier.Refusal r : SnapshotVerifier.Refusal.values()) {
            refused.put(r, Counter.builder(ConnectorMetrics.POLICIES_REFUSED).tags(tags).tag("reason", r.reason())
                    .description("policy records refused by their signature").register(registry));
        }
        this.thread = new Thread(this::run, "trpo-policy-subscriber");
        this.thread.setDaemon(true);
    }

    /** Starts following the topic. */
    public void start() {
        if (verifier.active()) {
            LOG.info("policy signatures checked run={} keys={} require_signed={}", runId,
                    String.join(",", verifier.keyIds()), verifier.requireSigned());
        }
        thread.start();
    }

    /** @return the newest version read so far, or null before the first */
    public synchronized ActingPolicy latest() {
        return latest;
    }

    /**
     * Waits until a version newer than {@code version} has been read (pass -1 to wait for any).
     *
     * @return that version, or null when the timeout passed or the subscriber stopped
     */
    public synchronized ActingPolicy awaitNewerThan(long version, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while ((latest == null || latest.version() <= version) && running && failure == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return latest != null && latest.version() > version ? latest : null;
    }

    /** @return the error that stopped the subscriber, or null */
    public Throwable failure() {
        return failure;
    }

    private void run() {
        TopicPartition partition = new TopicPartition(topic.name(), 0);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            consumer = c;
            if (!running) {
                return;
            }
            c.assign(List.of(partition));
            long begin = c.beginningOffsets(List.of(partition)).get(partition);
            long end = c.endOffsets(List.of(partition)).get(partition);
            c.seek(partition, Math.max(begin, end - TAIL_RECORDS));
            boolean rewound = end - TAIL_RECORDS <= begin;
            // Catching up, nothing is announced: the records up to the end offset are kept, then tried newest first,
            // so a connector that starts acts with the newest version, never with one of the 32 before it.
            List<ConsumerRecord<byte[], byte[]>> backlog = new ArrayList<>();
            boolean caughtUp = end <= begin;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                    if (caughtUp) {
                        accept(r);
                    } else {
                        backlog.add(r);
                    }
                }
                if (!caughtUp && c.position(partition) >= end) {
                    for (int i = backlog.size() - 1; i >= 0 && latest() == null; i--) {
                        accept(backlog.get(i));
                    }
                    backlog.clear();
                    if (latest() == null && !rewound) {
                        // the tail held no usable snapshot (many aborted transactions): read the whole topic once
                        c.seek(partition, begin);
                        rewound = true;
                    } else {
                        caughtUp = true;
                    }
                }
            }
        } catch (WakeupException e) {
            // close() woke the consumer up
        } catch (RuntimeException e) {
            if (running) {
                failure = e;
                LOG.error("policy subscriber stopped topic={} error={}", topic.name(), e.toString());
            }
        } finally {
            // assigned, nothing to commit: a default close would wait out the pending fetch (fetch.max.wait.ms)
            c.close(Duration.ZERO);
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return; // a tombstone: nothing to act with
        }
        PolicySnapshot snapshot;
        try {
            snapshot = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
        } catch (RuntimeException e) {
            rejectedDecode.increment();
            LOG.warn("policy record skipped topic={} partition={} offset={} reason=decode error={}", r.topic(),
                    r.partition(), r.offset(), e.getMessage());
            return;
        }
        // verified before the version is compared, so every forged record is counted, whatever version it claims
        SnapshotVerifier.Refusal why = verifier.refusal(r.value(), r.headers());
        if (why != null) {
            refused.get(why).increment();
            ActingPolicy good = latest();
            LOG.warn("policy refused run={} version={} offset={} reason={}: {}", runId, snapshot.getVersion(),
                    r.offset(), why.reason(), good == null ? "the actors wait for a good version"
                            : "the actors go on with version " + good.version());
            return;
        }
        synchronized (this) {
            if (latest != null && snapshot.getVersion() <= latest.version()) {
                return;
            }
        }
        ActorCritic policy;
        try {
            if (!envId.equals(snapshot.getEnvId()) || snapshot.getObservationSize() != observationSize) {
                throw new IllegalArgumentException("the snapshot is for " + snapshot.getEnvId() + " with "
                        + snapshot.getObservationSize() + " observations, this connector runs " + envId + " with "
                        + observationSize);
            }
            policy = Snapshots.toActorCritic(snapshot);
        } catch (RuntimeException e) {
            rejectedMismatch.increment();
            LOG.warn("policy record skipped topic={} offset={} version={} reason=mismatch error={}", r.topic(),
                    r.offset(), snapshot.getVersion(), e.getMessage());
            return;
        }
        synchronized (this) {
            latest = new ActingPolicy(snapshot.getVersion(), policy, Snapshots.rewardNormalizer(snapshot));
            notifyAll();
        }
        LOG.info("policy received topic={} version={} offset={}", r.topic(), snapshot.getVersion(), r.offset());
    }

    /** Stops following the topic and waits for the thread to end. */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (this) {
            notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
