package dev.trpo.streams;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

/**
 * The stream processors of one run as a service: {@code trpo streams} runs it alone, {@code trpo train} in-process
 * with the other components. Start it, ask {@link #isRunning()} for readiness, close it.
 */
public final class StreamsService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsService.class);

    private final StreamsSettings settings;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private boolean closed;

    /**
     * Prepares (does not start) the application.
     *
     * @param settings   the run's settings
     * @param kafkaProps client properties, at least {@code bootstrap.servers}; passed through untouched
     * @param registry   where the application's meters and Kafka Streams' own metrics go
     */
    public StreamsService(StreamsSettings settings, Map<String, ?> kafkaProps, MeterRegistry registry) {
        this.settings = settings;
        StreamsMeters meters = new StreamsMeters(registry, settings.runId(), settings.envId());
        this.streams = new KafkaStreams(StreamsTopology.build(settings, meters), settings.toProperties(kafkaProps, meters));
        this.streams.setUncaughtExceptionHandler(e -> {
            if (isTransient(e)) {
                LOG.warn("broker unreachable run={} error=\"{}\": replacing the stream thread, which retries (its"
                        + " open transaction is aborted; nothing committed is lost)", settings.runId(), rootMessage(e));
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            if (hasCause(e, FencedInstanceIdException.class)) {
                LOG.error("stream thread fenced run={}: another live process uses this --instance-id; give each its"
                        + " own. Shutting down", settings.runId());
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            LOG.error("stream thread failed run={}; shutting down the streams client", settings.runId(), e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        this.streams.setStateListener((now, before) -> LOG.info("streams state run={} from={} to={}", settings.runId(), before, now));
        this.streamsMetrics = new KafkaStreamsMetrics(streams, meters.tags());
        this.streamsMetrics.bindTo(registry);
    }

    /** Starts processing (returns at once; the application joins its group in the background). */
    public void start() {
        LOG.info("streams starting run={} env={} application={} segment-length={} gamma={} lambda={} idle-timeout={}",
                settings.runId(), settings.envId(), settings.applicationId(), settings.segmentLength(), settings.gamma(),
                settings.lambda(), settings.idleTimeout());
        streams.start();
    }

    /** True while the application is running or rebalancing (not created, failed or stopped). */
    public boolean isRunning() {
        return streams.state().isRunningOrRebalancing();
    }

    /** The Kafka Streams state, for health reporting. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Stops processing, committing what was processed, within {@code timeout}. The instance leaves its consumer
     * group, so a replacement takes over its partitions at once instead of after the session timeout.
     */
    public synchronized void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(timeout));
        streamsMetrics.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * A failure that the broker's absence explains (a timeout, a retriable error, a transaction that timed out
     * while the broker was away): the thread is replaced and retries. Authorisation, authentication, fencing and
     * everything else stay fatal.
     */
    static boolean isTransient(Throwable e) {
        if (hasCause(e, AuthorizationException.class) || hasCause(e, AuthenticationException.class)
                || hasCause(e, FencedInstanceIdException.class) || hasCause(e, UnsupportedVersionException.class)) {
            return false;
        }
        // a commit that timed out while the broker was away leaves the thread's producer unusable: a new thread
        // gets a new producer (seen after the broker was away for 59 s)
        if (hasCause(e, TimeoutException.class) || hasCause(e, RetriableException.class)
                || hasCause(e, org.apache.kafka.common.errors.InvalidTxnStateException.class)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("timed out")) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
