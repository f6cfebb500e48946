package dev.trpo.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.Topics;
import dev.trpo.streams.validation.DeadLetterDeserializationHandler;
import dev.trpo.streams.validation.DeadLetterProcessingHandler;

/**
 * Everything the stream processors of one run need to know, validated on construction. Build with
 * {@link #builder(String)}; every field but the run id, the environment id and the environment's shape has a default.
 *
 * @param runId              the training run; names the topics ({@code trpo.<run-id>.*})
 * @param envId              environment id every transition must carry, e.g. {@code CartPole-v1}
 * @param observationSize    length of every observation vector
 * @param actionKind         DISCRETE (an index in [0, actionSize)) or BOX (a vector of actionSize values)
 * @param actionSize         number of actions (DISCRETE) or action dimension (BOX)
 * @param gamma              discount for the advantages, in [0, 1]
 * @param lambda             GAE lambda, in [0, 1]
 * @param segmentLength      a segment is cut when an actor's open run reaches this many steps, 1 to 100,000
 * @param idleTimeout        an actor silent this long (wall-clock) has its open run closed and its episode abandoned
 * @param stateDir           folder of the local state stores; null = Kafka Streams' default under the temp folder
 * @param applicationId      Kafka Streams application id (consumer group, changelog topic prefix)
 * @param replicationFactor  replication factor of the changelog topics Kafka Streams creates, 1 to 32767
 * @param numStreamThreads   stream threads in this process, 1 to 64
 */
public record StreamsSettings(String runId, String envId, int observationSize, ActionKind actionKind, int actionSize,
                              double gamma, double lambda, int segmentLength, Duration idleTimeout, Path stateDir,
                              String applicationId, int replicationFactor, int numStreamThreads) {

    /** Default discount (Stable-Baselines3's TRPO default). */
    public static final double DEFAULT_GAMMA = 0.99;
    /** Default GAE lambda (Stable-Baselines3's TRPO default). */
    public static final double DEFAULT_LAMBDA = 0.95;
    /** Default maximum segment length, in steps. */
    public static final int DEFAULT_SEGMENT_LENGTH = 128;
    /** Default idle timeout: long enough for an actor waiting on a policy update, short enough to notice a dead one. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);
    /** Default changelog replication factor (a single broker); production clusters want 3. */
    public static final int DEFAULT_REPLICATION_FACTOR = 1;

    /**
     * Configuration key under which {@link #toProperties} hands the {@link StreamsMeters} to the exception
     * handlers Kafka Streams instantiates by class name (an object value, not a string).
     */
    public static final String METERS_CONFIG = "trpo.streams.meters";

    public StreamsSettings {
        Topics.forRun(runId);
        if (envId == null || envId.isBlank()) {
            throw new IllegalArgumentException("env id is missing: pass the environment id, e.g. CartPole-v1");
        }
        if (observationSize < 1) {
            throw new IllegalArgumentException("observation size must be >= 1, got " + observationSize);
        }
        Objects.requireNonNull(actionKind, "action kind");
        if (actionSize < 1) {
            throw new IllegalArgumentException("action size (" + (actionKind == ActionKind.DISCRETE ? "number of actions" : "action dimension")
                    + ") must be >= 1, got " + actionSize);
        }
        if (!(gamma >= 0 && gamma <= 1)) {
            throw new IllegalArgumentException("gamma must be in [0, 1], got " + gamma);
        }
        if (!(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
        }
        if (segmentLength < 1 || segmentLength > 100_000) {
            throw new IllegalArgumentException("segment length must be in [1, 100000] steps, got " + segmentLength);
        }
        Objects.requireNonNull(idleTimeout, "idle timeout");
        if (idleTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("idle timeout must be at least 100ms, got " + idleTimeout);
        }
        if (applicationId == null || applicationId.isBlank()) {
            applicationId = "trpo-" + runId + "-streams";
        }
        if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("replication factor must be in [1, 32767], got " + replicationFactor);
        }
        if (numStreamThreads < 1 || numStreamThreads > 64) {
            throw new IllegalArgumentException("stream threads must be in [1, 64], got " + numStreamThreads);
        }
    }

    /** A builder with every default set; the environment's id and shape must still be given. */
    public static Builder builder(String runId) {
        return new Builder(runId);
    }

    /** The run's topics. */
    public Topics topics() {
        return Topics.forRun(runId);
    }

    /** How often the idle punctuator looks for silent actors: a quarter of the timeout, between 100 ms and 10 s. */
    public Duration idleCheckInterval() {
        long quarter = idleTimeout.toMillis() / 4;
        return Duration.ofMillis(Math.max(100, Math.min(10_000, quarter)));
    }

    /**
     * The Kafka Streams configuration: throughput defaults, then {@code kafkaProps} untouched (they may override
     * any of those), then what this application requires: exactly-once v2, the application id, the state folder,
     * the changelog replication factor and the dead-letter handlers.
     *
     * @param kafkaProps client properties ({@code bootstrap.servers}, security settings, overrides)
     * @param meters     the meters the dead-letter handlers count into
     */
    public Properties toProperties(Map<String, ?> kafkaProps, StreamsMeters meters) {
        Properties p = new Properties();
        // Throughput: bigger, compressed producer batches and fuller fetches; the commit interval bounds how
        // long a segment waits in an open transaction before the trainer can read it.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, String.valueOf(32L * 1024 * 1024));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "20");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), String.valueOf(512 * 1024));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), "5000");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), String.valueOf(64 * 1024 * 1024));
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), String.valueOf(8 * 1024 * 1024));
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        kafkaProps.forEach(p::put);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(replicationFactor));
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(numStreamThreads));
        if (stateDir != null) {
            p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        }
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics().dlq().name());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class.getName());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName());
        p.put(METERS_CONFIG, Objects.requireNonNull(meters, "meters"));
        return p;
    }

    /** Builder of {@link StreamsSettings}; defaults are the {@code DEFAULT_*} constants. */
    public static final class Builder {
        private final String runId;
        private String envId;
        private int observationSize;
        private ActionKind actionKind;
        private int actionSize;
        private double gamma = DEFAULT_GAMMA;
        private double lambda = DEFAULT_LAMBDA;
        private int segmentLength = DEFAULT_SEGMENT_LENGTH;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Path stateDir;
        private String applicationId;
        private int replicationFactor = DEFAULT_REPLICATION_FACTOR;
        private int numStreamThreads = 1;

        private Builder(String runId) {
            this.runId = runId;
        }

        /** The environment id transitions must carry and outputs are labelled with. */
        public Builder envId(String value) {
            this.envId = value;
            return this;
        }

        /** A discrete action space of {@code n} actions and observations of {@code observationSize}. */
        public Builder discrete(int observationSize, int n) {
            return shape(observationSize, ActionKind.DISCRETE, n);
        }

        /** A continuous action space of {@code dim} dimensions and observations of {@code observationSize}. */
        public Builder box(int observationSize, int dim) {
            return shape(observationSize, ActionKind.BOX, dim);
        }

        /** The environment's shape. */
        public Builder shape(int observationSize, ActionKind kind, int size) {
            this.observationSize = observationSize;
            this.actionKind = kind;
            this.actionSize = size;
            return this;
        }

        public Builder gamma(double value) {
            this.gamma = value;
            return this;
        }

        public Builder lambda(double value) {
            this.lambda = value;
            return this;
        }

        public Builder segmentLength(int value) {
            this.segmentLength = value;
            return this;
        }

        public Builder idleTimeout(Duration value) {
            this.idleTimeout = value;
            return this;
        }

        public Builder stateDir(Path value) {
            this.stateDir = value;
            return this;
        }

        public Builder applicationId(String value) {
            this.applicationId = value;
            return this;
        }

        public Builder replicationFactor(int value) {
            this.replicationFactor = value;
            return this;
        }

        public Builder numStreamThreads(int value) {
            this.numStreamThreads = value;
            return this;
        }

        public StreamsSettings build() {
            return new StreamsSettings(runId, envId, observationSize, actionKind, actionSize, gamma, lambda, segmentLength,
                    idleTimeout, stateDir, applicationId, replicationFactor, numStreamThreads);
        }
    }
}
