package dev.trpo.app.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.app.trainer.TrainerCommand;
import dev.trpo.connectors.runtime.ConnectorConfig;
import dev.trpo.connectors.runtime.ConnectorMode;
import dev.trpo.connectors.runtime.ConnectorRuntime;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import dev.trpo.streams.StreamsService;
import dev.trpo.streams.StreamsSettings;
import dev.trpo.trainer.EnvSpec;
import dev.trpo.trainer.Hyperparameters;
import dev.trpo.trainer.TrainerService;
import dev.trpo.trainer.TrainerSettings;

/**
 * {@code GET /metrics} and {@code /health/*} of {@link Observability} while a pipeline (trainer, stream processors,
 * connector, all on the one registry as in {@code trpo train}) runs on the embedded broker.
 */
class MetricsEndpointTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String RUN = "scraped";
    private static final String ENV = "CartPole-v1";
    private static final int ACTORS = 4;
    private static final int STEPS_PER_VERSION = 16;
    /** Generous for a loaded 2-core machine; the waits poll and end as soon as their condition holds. */
    private static final long DEADLINE_MS = 40_000;
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void metricsShowThePolicyVersionRiseWithPrometheusNames() throws Exception {
        Topics topics = Topics.forRun(RUN);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            TopicProvisioner.createAll(admin, topics, 2, (short) 1);
        }
        Map<String, Object> kafka = Map.of("bootstrap.servers", KAFKA.bootstrapServers());
        EnvSpec env = TrainerCommand.envSpec(ENV);
        Hyperparameters hp = Hyperparameters.forEnv(ENV, Map.of(
                Hyperparameters.BATCH_STEPS, Integer.toString(ACTORS * STEPS_PER_VERSION),
                Hyperparameters.CRITIC_MINIBATCH_SIZE, Integer.toString(ACTORS * STEPS_PER_VERSION)));
        StreamsSettings streamsSettings = StreamsSettings.builder(RUN).envId(ENV)
                .shape(env.observationSize(), ActionKind.DISCRETE, 2).gamma(hp.gamma()).lambda(hp.gaeLambda())
                .segmentLength(STEPS_PER_VERSION).stateDir(dir.resolve("streams-state")).build();
        ConnectorConfig actors = new ConnectorConfig(RUN, ENV, ACTORS, 3, STEPS_PER_VERSION, ConnectorMode.SYNC, "actor", 0);

        try (Observability obs = Observability.start(freePort());
             TrainerService trainer = new TrainerService(TrainerSettings.of(RUN, env, hp, 3), kafka, obs.registry());
             StreamsService streams = new StreamsService(streamsSettings, kafka, obs.registry());
             ConnectorRuntime connector = new ConnectorRuntime(actors, kafka, obs.registry())) {
            obs.setReady(() -> trainer.status() == TrainerService.Status.RUNNING);
            assertEquals(503, get(obs, "/health/ready").statusCode(), "not ready before the trainer runs");
            trainer.start();
            streams.start();
            connector.start();

            double first = awaitVersion(obs, 0);
            double later = awaitVersion(obs, first + 1);

            assertTrue(later > first, "trpo_trainer_policy_version went from " + first + " to " + later);
            String text = get(obs, "/metrics").body();
            List<String> problems = namingProblems(text);
            assertEquals(List.of(), problems, "Prometheus naming");
            for (String name : List.of("trpo_trainer_samples_total", "trpo_trainer_update_duration_seconds_count",
                    "trpo_trainer_update_kl", "trpo_connector_transitions_total", "trpo_connector_policy_wait_seconds_count",
                    "trpo_streams_segments_total", "jvm_memory_used_bytes", "process_uptime_seconds")) {
                assertTrue(value(text, name).isPresent(), name + " is served");
            }
            for (String prefix : List.of("kafka_producer_", "kafka_consumer_", "kafka_stream_")) {
                assertTrue(text.lines().anyMatch(l -> l.startsWith(prefix)), "Kafka client metrics " + prefix + "* are served");
            }
            assertTrue(text.lines().anyMatch(l -> l.startsWith("kafka_producer_") && l.contains("trpo-connector-")),
                    "the connector's producer metrics are served");
            assertTrue(text.lines().anyMatch(l -> l.startsWith("kafka_consumer_") && l.contains(".trainer-consumer")),
                    "the trainer's consumer metrics are served");
            assertTrue(value(text, "trpo_trainer_samples_total").getAsDouble() >= ACTORS * STEPS_PER_VERSION,
                    "the samples of at least one update are counted");
            assertEquals(200, get(obs, "/health/ready").statusCode());
            assertEquals(200, get(obs, "/health/live").statusCode());
            assertEquals(200, get(obs, "/health").statusCode());
        }
    }

    /** Polls /metrics until trpo_trainer_policy_version is at least {@code atLeast}; returns the value seen. */
    private double awaitVersion(Observability obs, double atLeast) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
            OptionalDouble v = value(get(obs, "/metrics").body(), "trpo_trainer_policy_version");
            if (v.isPresent() && v.getAsDouble() >= atLeast) {
                return v.getAsDouble();
            }
            assertTrue(System.currentTimeMillis() < deadline,
                    "trpo_trainer_policy_version is " + v + " after " + DEADLINE_MS + " ms, expected >= " + atLeast);
            Thread.sleep(100);
        }
    }

    /**
     * Names that break Prometheus conventions: counters not ending in {@code _total}; the project's timers not in
     * seconds; a project metric with a dot, or repeating its unit ({@code _seconds_seconds}, {@code _total_total}).
     */
    static List<String> namingProblems(String text) {
        List<String> problems = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                String name = type.group(1);
                String kind = type.group(2);
                if (kind.equals("counter") && !name.endsWith("_total")) {
                    problems.add("counter " + name + " does not end in _total");
                }
                if (name.startsWith("trpo_") && (kind.equals("summary") || kind.equals("histogram"))
                        && (name.contains("duration") || name.contains("wait")) && !name.endsWith("_seconds")) {
                    problems.add("timer " + name + " is not in seconds");
                }
                if (name.contains("_total_total") || name.contains("_seconds_seconds") || name.contains("_bytes_bytes")) {
                    problems.add(name + " repeats its unit");
                }
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!line.startsWith("#") && !line.isBlank() && !sample.matches()) {
                problems.add("not a Prometheus sample line: " + line);
            }
        }
        return problems;
    }

    /** The first sample of {@code name} (any labels). */
    private static OptionalDouble value(String text, String name) {
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches() && m.group(1).equals(name)) {
                return OptionalDouble.of(Double.parseDouble(m.group(3)));
            }
        }
        return OptionalDouble.empty();
    }

    private HttpResponse<String> get(Observability obs, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + obs.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A port free a moment ago (Observability serves on a given port; 0 turns it off). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
