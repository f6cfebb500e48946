package dev.trpo.app.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Topics;

/**
 * Follows a run's policies topic (read_committed) on a thread of its own and remembers when each version was first
 * seen: the clock of the kill schedule and of every recovery time. It rides out a broker restart (the consumer
 * reconnects to the same address).
 */
final class PolicyWatch implements AutoCloseable {
    private final KafkaConsumer<String, PolicySnapshot> consumer;
    private final TopicPartition partition;
    private final Thread thread;
    /** Version to System.nanoTime() of its first sighting; guarded by this. */
    private final TreeMap<Long, Long> seen = new TreeMap<>();
    private volatile boolean running = true;

    PolicyWatch(String bootstrapServers, Topics topics) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "trpo-chaos-policy-watch");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        // back within a second of a restarted broker, not after the default 1 s .. 1000 s backoff climb
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_POLICY_BYTES);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), topics.policies().valueSerde().deserializer());
        this.partition = new TopicPartition(topics.policies().name(), 0);
        this.thread = new Thread(this::follow, "trpo-chaos-policy-watch");
        this.thread.setDaemon(true);
    }

    /** Starts following from the beginning of the topic. */
    void start() {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        thread.start();
    }

    private void follow() {
        try {
            while (running) {
                for (ConsumerRecord<String, PolicySnapshot> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    synchronized (this) {
                        seen.putIfAbsent(r.value().getVersion(), now);
                        notifyAll();
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** The newest version seen, or -1. */
    synchronized long latest() {
        return seen.isEmpty() ? -1 : seen.lastKey();
    }

    /** System.nanoTime() when {@code version} was first seen, or null. */
    synchronized Long seenAt(long version) {
        return seen.get(version);
    }

    /**
     * Waits until a version newer than {@code version} has been seen.
     *
     * @return the first such version, or -1 when none came within the timeout
     */
    synchronized long awaitNewerThan(long version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (latest() <= version) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return -1;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return seen.higherKey(version);
    }

    /**
     * The median time between two successive versions' sightings, or {@code fallback} before there are two: the
     * schedule draws a kill's moment within one such interval. The median, so that a slow recovery does not stretch
     * the next kill's pause past the versions still to come.
     */
    synchronized Duration typicalInterval(Duration fallback) {
        if (seen.size() < 2) {
            return fallback;
        }
        long[] gaps = new long[seen.size() - 1];
        Long previous = null;
        int i = 0;
        for (long at : seen.values()) {
            if (previous != null) {
                gaps[i++] = Math.max(0, at - previous);
            }
            previous = at;
        }
        java.util.Arrays.sort(gaps);
        return Duration.ofNanos(gaps[gaps.length / 2]);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
