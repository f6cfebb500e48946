package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Values are checked in one helper; a bad value stops the render with a message naming the key and what it accepts. */
class ValueValidationTest {

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("trainer.replicaCount", 2, "trainer.replicaCount must be 1 (or 0 to pause training)"),
                Arguments.of("run.mode", "sometimes", "run.mode must be sync or async, got \"sometimes\""),
                Arguments.of("run.id", "has space", "run.id must be letters, digits"),
                Arguments.of("kafka.securityProtocol", "TLS", "kafka.securityProtocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
                Arguments.of("kafka.securityProtocol", "SASL_SSL", "kafka.sasl.existingSecret is required with kafka.securityProtocol=SASL_SSL"),
                Arguments.of("topics.partitions", 0, "topics.partitions must be an integer >= 1"),
                Arguments.of("connectors.actorsPerPod", 0, "connectors.actorsPerPod must be >= 1"),
                Arguments.of("connectors.workload", "DaemonSet", "connectors.workload must be Deployment or StatefulSet, got \"DaemonSet\""),
                Arguments.of("connectors.asyncMaxStepsPerVersion", -1, "connectors.asyncMaxStepsPerVersion must be >= 0"),
                Arguments.of("connectors.commitIntervalMs", 0, "connectors.commitIntervalMs must be in [1, 60000] ms"),
                Arguments.of("connectors.commitIntervalMs", 120000, "connectors.commitIntervalMs must be in [1, 60000] ms"),
                Arguments.of("trainer.evalEvery", -1, "trainer.evalEvery must be >= 0"),
                Arguments.of("trainer.evalEpisodes", 0, "trainer.evalEpisodes must be >= 1"),
                Arguments.of("trainer.evalParallel", 0, "trainer.evalParallel must be >= 1"),
                Arguments.of("streams.gamma", 1.5, "streams.gamma must be in (0, 1]"),
                Arguments.of("metrics.port", 0, "metrics.port must be in 1..65535"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badValues")
    void aBadValueFailsTheRenderWithAMessageNamingIt(String key, Object value, String message) {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> RenderedChart.render(Map.of(key, value)));

        assertTrue(failure.getMessage().contains(message), failure.getMessage());
    }

    @Test
    void missingBootstrapServersAreRefused() {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> RenderedChart.renderExactly(Map.of()));

        assertTrue(failure.getMessage().contains("kafka.bootstrapServers is required"), failure.getMessage());
    }

    @Test
    void everyProblemIsListedInOneFailure() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("trainer.replicaCount", 3);
        values.put("run.mode", "later");

        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> RenderedChart.renderExactly(values));

        String message = failure.getMessage();
        assertTrue(message.contains("kafka.bootstrapServers is required"), message);
        assertTrue(message.contains("trainer.replicaCount must be 1"), message);
        assertTrue(message.contains("run.mode must be sync or async"), message);
    }
}
