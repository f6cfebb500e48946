package dev.trpo.app.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.app.cli.MetricsOptions;
import dev.trpo.app.cli.UsageException;
import dev.trpo.app.http.Observability;
import dev.trpo.app.kafka.KafkaAdmin;
import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.TopicSpec;
import dev.trpo.schemas.Topics;
import dev.trpo.streams.RunEnvironment;
import dev.trpo.streams.StreamsMeters;
import dev.trpo.streams.StreamsService;
import dev.trpo.streams.StreamsSettings;
import dev.trpo.streams.StreamsTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code trpo streams}: the stream processors of one run against any Kafka cluster, until SIGTERM. The environment's
 * shape (and the run's gamma and lambda, unless given) come from the run's policy snapshot, which the trainer
 * publishes first; {@code --env}, {@code --obs-size}, {@code --action-kind}, {@code --action-size} give them instead.
 */
@Command(name = "streams", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stream processors: validate, dead-letter, segments with GAE.",
            "Validates transitions, dead-letters bad ones, assembles segments with GAE advantages and summarises "
                + "episodes, exactly once."})
public final class StreamsCommand implements Callable<Integer> {
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Spec
    CommandSpec spec;

    @Option(names = "--run-id", required = true, defaultValue = "${env:TRPO_RUN_ID}",
            description = "The run whose transitions are read and segments written (env TRPO_RUN_ID).")
    String runId;

    @Option(names = "--env", defaultValue = "${env:TRPO_STREAMS_ENV}",
            description = "The environment id; read from the run's policy snapshot when not given (env TRPO_STREAMS_ENV).")
    String envId;

    @Option(names = "--obs-size", defaultValue = "${env:TRPO_STREAMS_OBS_SIZE}",
            description = "Observation length; with --action-kind and --action-size, instead of reading the policy snapshot.")
    Integer obsSize;

    @Option(names = "--action-kind", defaultValue = "${env:TRPO_STREAMS_ACTION_KIND}",
            description = "discrete or box; see --obs-size.")
    String actionKind;

    @Option(names = "--action-size", defaultValue = "${env:TRPO_STREAMS_ACTION_SIZE}",
            description = "Number of actions (discrete) or action dimension (box); see --obs-size.")
    Integer actionSize;

    @Option(names = "--gamma", defaultValue = "${env:TRPO_STREAMS_GAMMA}",
            description = "Discount of the advantages: the trainer's recorded value, else " + StreamsSettings.DEFAULT_GAMMA + " (env TRPO_STREAMS_GAMMA).")
    Double gamma;

    @Option(names = "--lambda", defaultValue = "${env:TRPO_STREAMS_LAMBDA}",
            description = "GAE lambda: the trainer's recorded value, else " + StreamsSettings.DEFAULT_LAMBDA + " (env TRPO_STREAMS_LAMBDA).")
    Double lambda;

    @Option(names = "--segment-length", defaultValue = "${env:TRPO_STREAMS_SEGMENT_LENGTH}",
            description = "Steps after which an actor's open run is cut into a segment (default " + StreamsSettings.DEFAULT_SEGMENT_LENGTH
                    + ", env TRPO_STREAMS_SEGMENT_LENGTH).")
    Integer segmentLength;

    @Option(names = "--idle-timeout", defaultValue = "${env:TRPO_STREAMS_IDLE_TIMEOUT}",
            description = "Silence after which an actor's open run is closed and its episode abandoned, e.g. 90s, 2m, PT2M "
                    + "(default 2m, env TRPO_STREAMS_IDLE_TIMEOUT).")
    String idleTimeout;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:TRPO_STREAMS_STATE_DIR}",
            description = "Folder of the local state stores (default: Kafka Streams' folder under the temp dir; env TRPO_STREAMS_STATE_DIR).")
    Path stateDir;

    @Option(names = "--replication-factor", defaultValue = "${env:TRPO_STREAMS_REPLICATION_FACTOR}",
            description = "Replication factor of the changelog topics (default 1; 3 on a production cluster; env TRPO_STREAMS_REPLICATION_FACTOR).")
    Integer replicationFactor;

    @Option(names = "--threads", defaultValue = "${env:TRPO_STREAMS_THREADS}",
            description = "Stream threads in this process (default 1; env TRPO_STREAMS_THREADS).")
    Integer threads;

    @Option(names = "--policy-wait", defaultValue = "${env:TRPO_STREAMS_POLICY_WAIT:-60s}",
            description = "How long to wait for the run's first policy snapshot (default ${DEFAULT-VALUE}).")
    String policyWait;

    @Option(names = "--instance-id", defaultValue = "${env:TRPO_STREAMS_INSTANCE_ID}",
            description = "Static group membership: a process started again under the same id (after a crash, a pod"
                    + " replaced under its name) gets its tasks back at once instead of after the session timeout;"
                    + " every live process needs its own (env TRPO_STREAMS_INSTANCE_ID; the chart sets the pod name).")
    String instanceId;

    @Option(names = "--session-timeout", defaultValue = "${env:TRPO_STREAMS_SESSION_TIMEOUT:-10s}",
            description = "How long a silent process keeps its tasks before the others take them over (default"
                    + " ${DEFAULT-VALUE}; env TRPO_STREAMS_SESSION_TIMEOUT).")
    String sessionTimeout;

    @Option(names = "--describe", description = "Print the topology and exit.")
    boolean describe;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    MetricsOptions metrics;

    @Override
    public Integer call() throws Exception {
        if (describe) {
            StreamsSettings shape = settings(new RunEnvironment(envId == null ? "describe" : envId, 1, ActionKind.DISCRETE, 1,
                    OptionalDouble.empty(), OptionalDouble.empty()));
            spec.commandLine().getOut().println(StreamsTopology.build(shape, new StreamsMeters(new SimpleMeterRegistry(), runId(), "describe")).describe());
            return 0;
        }
        Map<String, Object> props = new HashMap<>(kafka.reachableClientProperties());
        props.putIfAbsent(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                String.valueOf(duration("--session-timeout", sessionTimeout).toMillis()));
        if (instanceId != null && !instanceId.isBlank()) {
            if (!instanceId.matches("[A-Za-z0-9._-]{1,200}")) {
                throw new UsageException("--instance-id '" + instanceId + "' is invalid: use 1 to 200 letters, digits,"
                        + " '.', '-' or '_'");
            }
            props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        }
        Topics topics = Topics.forRun(runId());
        requireTopics(props, topics);
        StreamsSettings settings = settings(environment(props, topics));
        CountDownLatch stop = new CountDownLatch(1);
        try (Observability observability = Observability.start(metrics.metricsPort());
             StreamsService service = new StreamsService(settings, props, observability.registry())) {
            Thread hook = new Thread(() -> {
                stop.countDown();
                service.close();
            }, "trpo-streams-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            observability.setReady(service::isRunning);
            service.start();
            while (!stop.await(1, TimeUnit.SECONDS)) {
                KafkaStreams.State state = service.state();
                if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                    break;
                }
            }
            boolean failed = service.state() == KafkaStreams.State.ERROR;
            if (stop.getCount() > 0) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            return failed ? 1 : 0;
        }
    }

    private String runId() {
        if (runId == null || !Topics.RUN_ID.matcher(runId).matches()) {
            throw new UsageException("--run-id '" + runId + "' is invalid: use 1 to 100 letters, digits, '-' or '_'");
        }
        return runId;
    }

    /** The environment from the flags when all are given, else from the run's policy snapshot. */
    private RunEnvironment environment(Map<String, Object> props, Topics topics) {
        boolean anyShape = obsSize != null || actionKind != null || actionSize != null;
        if (anyShape) {
            if (obsSize == null || actionKind == null || actionSize == null || envId == null) {
                throw new UsageException("--obs-size, --action-kind and --action-size go together, with --env; or leave all out "
                        + "to read them from the run's policy snapshot");
            }
            return new RunEnvironment(envId, obsSize, kind(actionKind), actionSize, OptionalDouble.empty(), OptionalDouble.empty());
        }
        Duration wait = duration("--policy-wait", policyWait);
        RunEnvironment env = RunEnvironment.readFromPolicies(props, topics, wait).orElseThrow(() -> new UsageException(
                "no policy snapshot on " + topics.policies().name() + " within " + policyWait + ": start the trainer first (it publishes "
                        + "version 0), or pass --env, --obs-size, --action-kind and --action-size"));
        if (envId != null && !envId.equals(env.envId())) {
            throw new UsageException("--env " + envId + " is not the run's environment " + env.envId() + " (from its policy snapshot)");
        }
        return env;
    }

    private StreamsSettings settings(RunEnvironment env) {
        StreamsSettings.Builder b = StreamsSettings.builder(runId()).envId(env.envId())
                .shape(env.observationSize(), env.actionKind(), env.actionSize());
        b.gamma(gamma != null ? gamma : env.gamma().orElse(StreamsSettings.DEFAULT_GAMMA));
        b.lambda(lambda != null ? lambda : env.lambda().orElse(StreamsSettings.DEFAULT_LAMBDA));
        if (segmentLength != null) {
            b.segmentLength(segmentLength);
        }
        if (idleTimeout != null) {
            b.idleTimeout(duration("--idle-timeout", idleTimeout));
        }
        if (stateDir != null) {
            b.stateDir(stateDir);
        }
        if (replicationFactor != null) {
            b.replicationFactor(replicationFactor);
        }
        if (threads != null) {
            b.numStreamThreads(threads);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static void requireTopics(Map<String, Object> props, Topics topics) {
        Set<String> existing;
        try (Admin admin = Admin.create(KafkaAdmin.withTimeouts(props))) {
            existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new UsageException("cannot list the topics of " + props.get("bootstrap.servers") + " (" + e.getMessage()
                    + "): is the cluster reachable?");
        }
        for (TopicSpec<?, ?> topic : List.of(topics.transitions(), topics.segments(), topics.episodes(), topics.dlq())) {
            if (!existing.contains(topic.name())) {
                throw new UsageException("topic " + topic.name() + " does not exist: create the run's topics with "
                        + "'trpo topics create --run-id " + topics.runId() + "'");
            }
        }
    }

    private static ActionKind kind(String value) {
        try {
            return ActionKind.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--action-kind " + value + " is not discrete or box");
        }
    }

    /** 500ms, 90s, 2m, 1h or ISO-8601 (PT2M). */
    static Duration duration(String option, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        try {
            return Duration.parse(value.strip().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new UsageException(option + " " + value + " is not a duration: use e.g. 500ms, 90s, 2m, 1h or PT2M");
        }
    }
}
