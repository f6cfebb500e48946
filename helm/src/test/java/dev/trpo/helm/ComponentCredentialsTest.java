package dev.trpo.helm;

import static dev.trpo.helm.KafkaSecurityTest.assertSecretRef;
import static dev.trpo.helm.KafkaSecurityTest.clientProperties;
import static dev.trpo.helm.PodSpecTest.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka user per component ({@code connectors|streams|trainer|topics.kafka.sasl.*}), each value falling back to
 * {@code kafka.sasl.*}, so that only the trainer's user needs the ACLs to write {@code policies}.
 */
class ComponentCredentialsTest {

    private static final String CLIENT = "demo-trpo-pipeline-kafka-client";
    private static final String TOPICS_CLIENT = "demo-trpo-pipeline-topics-kafka-client";
    private static final String SCRAM_FROM_VARIABLES = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"${env:KAFKA_SASL_USERNAME}\" password=\"${env:KAFKA_SASL_PASSWORD}\";";

    /** SASL with one global Secret whose keys are not the defaults, so that inheriting the keys shows. */
    private static Map<String, Object> global(Map<String, Object> more) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("kafka.securityProtocol", "SASL_SSL");
        values.put("kafka.sasl.existingSecret", "trpo-shared");
        values.put("kafka.sasl.usernameKey", "user");
        values.put("kafka.sasl.passwordKey", "pass");
        values.putAll(more);
        return values;
    }

    @Test
    void withOnlyTheGlobalCredentialsEveryComponentReadsTheGlobalSecret(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(global(Map.of()), workDir);

        Map<String, Container> containers = containers(chart);
        assertEquals(List.of("connector", "streams", "topics", "trainer"), List.copyOf(containers.keySet()));
        containers.forEach((name, container) -> {
            assertSecretRef(env(container, "KAFKA_SASL_USERNAME"), "trpo-shared", "user");
            assertSecretRef(env(container, "KAFKA_SASL_PASSWORD"), "trpo-shared", "pass");
            assertNoVariable(container, "KAFKA_SASL_JAAS_CONFIG");
        });
        assertEquals(SCRAM_FROM_VARIABLES, clientProperties(chart, CLIENT).getProperty("sasl.jaas.config"));
        assertEquals(SCRAM_FROM_VARIABLES, clientProperties(chart, TOPICS_CLIENT).getProperty("sasl.jaas.config"));
    }

    @Test
    void theTrainerAndTheConnectorsReadTheirOwnSecretsAndTheStreamProcessorsStillTheGlobalOne(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(global(Map.of(
                "trainer.kafka.sasl.existingSecret", "trpo-trainer",
                "trainer.kafka.sasl.usernameKey", "trainer-user",
                "trainer.kafka.sasl.passwordKey", "trainer-pass",
                "connectors.kafka.sasl.existingSecret", "trpo-actor")), workDir);

        Map<String, Container> containers = containers(chart);
        Container trainer = containers.get("trainer");
        assertSecretRef(env(trainer, "KAFKA_SASL_USERNAME"), "trpo-trainer", "trainer-user");
        assertSecretRef(env(trainer, "KAFKA_SASL_PASSWORD"), "trpo-trainer", "trainer-pass");
        Container connector = containers.get("connector");
        assertSecretRef(env(connector, "KAFKA_SASL_USERNAME"), "trpo-actor", "user");
        assertSecretRef(env(connector, "KAFKA_SASL_PASSWORD"), "trpo-actor", "pass");
        for (String shared : List.of("streams", "topics")) {
            assertSecretRef(env(containers.get(shared), "KAFKA_SASL_USERNAME"), "trpo-shared", "user");
            assertSecretRef(env(containers.get(shared), "KAFKA_SASL_PASSWORD"), "trpo-shared", "pass");
        }
        containers.values().forEach(c -> assertNoVariable(c, "KAFKA_SASL_JAAS_CONFIG"));
        assertEquals(SCRAM_FROM_VARIABLES, clientProperties(chart, CLIENT).getProperty("sasl.jaas.config"),
                "one properties file still serves every component");
    }

    @Test
    void aUserNameGivenAsAValueOverridesTheSecretKeyForThatComponentOnly(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(global(Map.of(
                "trainer.kafka.sasl.username", "policy-writer")), workDir);

        Map<String, Container> containers = containers(chart);
        EnvVar trainerUser = env(containers.get("trainer"), "KAFKA_SASL_USERNAME");
        assertEquals("policy-writer", trainerUser.getValue());
        assertNull(trainerUser.getValueFrom(), "a plain user name needs no Secret key");
        assertSecretRef(env(containers.get("trainer"), "KAFKA_SASL_PASSWORD"), "trpo-shared", "pass");
        for (String other : List.of("connector", "streams", "topics")) {
            assertSecretRef(env(containers.get(other), "KAFKA_SASL_USERNAME"), "trpo-shared", "user");
        }
        for (ConfigMap configMap : chart.all(ConfigMap.class)) {
            configMap.getData().values().forEach(v -> assertFalse(v.contains("policy-writer"), configMap.getMetadata().getName()));
        }
    }

    @Test
    void theGlobalUserNameValueIsNotCarriedOverToAComponentWithASecretOfItsOwn() {
        RenderedChart chart = RenderedChart.render(global(Map.of(
                "kafka.sasl.username", "trpo", "trainer.kafka.sasl.existingSecret", "trpo-trainer")));

        Container trainer = RenderedChart.onlyContainer(chart.trainer().getSpec().getTemplate().getSpec());
        assertSecretRef(env(trainer, "KAFKA_SASL_USERNAME"), "trpo-trainer", "user");
        assertSecretRef(env(trainer, "KAFKA_SASL_PASSWORD"), "trpo-trainer", "pass");
        Container connector = RenderedChart.onlyContainer(chart.connectors().getSpec().getTemplate().getSpec());
        assertEquals("trpo", env(connector, "KAFKA_SASL_USERNAME").getValue());
        assertSecretRef(env(connector, "KAFKA_SASL_PASSWORD"), "trpo-shared", "pass");
    }

    /** The documented Strimzi layout: four KafkaUser Secrets, each with a complete sasl.jaas.config, no global Secret. */
    @Test
    void fourStrimziUserSecretsOneForEachComponentIncludingTheTopicJob(@TempDir Path workDir) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("kafka.securityProtocol", "SASL_SSL");
        values.put("kafka.sasl.jaasConfigKey", "sasl.jaas.config");
        values.put("topics.kafka.sasl.existingSecret", "trpo-topics");
        values.put("connectors.kafka.sasl.existingSecret", "trpo-actor");
        values.put("streams.kafka.sasl.existingSecret", "trpo-streams");
        values.put("trainer.kafka.sasl.existingSecret", "trpo-trainer");
        RenderedChart chart = RenderedChart.renderWithHooks(values, workDir);

        Map<String, String> secrets = Map.of(
                "topics", "trpo-topics", "connector", "trpo-actor", "streams", "trpo-streams", "trainer", "trpo-trainer");
        Map<String, Container> containers = containers(chart);
        assertEquals(secrets.keySet(), containers.keySet());
        containers.forEach((name, container) -> {
            assertSecretRef(env(container, "KAFKA_SASL_JAAS_CONFIG"), secrets.get(name), "sasl.jaas.config");
            assertNoVariable(container, "KAFKA_SASL_USERNAME");
            assertNoVariable(container, "KAFKA_SASL_PASSWORD");
        });
        assertEquals("${env:KAFKA_SASL_JAAS_CONFIG}", clientProperties(chart, CLIENT).getProperty("sasl.jaas.config"));
        assertEquals("${env:KAFKA_SASL_JAAS_CONFIG}", clientProperties(chart, TOPICS_CLIENT).getProperty("sasl.jaas.config"));
    }

    /**
     * One component with a whole sasl.jaas.config, the others with user name and password: the shared file reads the
     * whole line, and the others get it composed by Kubernetes from their two variables, defined before it.
     */
    @Test
    void aComponentWithAJaasConfigKeyOfItsOwnLeavesTheOthersLoggingInWithUserNameAndPassword(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(global(Map.of(
                "kafka.sasl.mechanism", "PLAIN",
                "trainer.kafka.sasl.existingSecret", "trpo-trainer",
                "trainer.kafka.sasl.jaasConfigKey", "sasl.jaas.config")), workDir);

        assertEquals("${env:KAFKA_SASL_JAAS_CONFIG}", clientProperties(chart, CLIENT).getProperty("sasl.jaas.config"));
        assertEquals("${env:KAFKA_SASL_JAAS_CONFIG}", clientProperties(chart, TOPICS_CLIENT).getProperty("sasl.jaas.config"));
        Map<String, Container> containers = containers(chart);
        Container trainer = containers.get("trainer");
        assertSecretRef(env(trainer, "KAFKA_SASL_JAAS_CONFIG"), "trpo-trainer", "sasl.jaas.config");
        assertNoVariable(trainer, "KAFKA_SASL_PASSWORD");
        for (String other : List.of("connector", "streams", "topics")) {
            Container container = containers.get(other);
            assertSecretRef(env(container, "KAFKA_SASL_USERNAME"), "trpo-shared", "user");
            assertSecretRef(env(container, "KAFKA_SASL_PASSWORD"), "trpo-shared", "pass");
            assertEquals("org.apache.kafka.common.security.plain.PlainLoginModule required "
                    + "username=\"$(KAFKA_SASL_USERNAME)\" password=\"$(KAFKA_SASL_PASSWORD)\";",
                    env(container, "KAFKA_SASL_JAAS_CONFIG").getValue(), other);
            List<String> names = container.getEnv().stream().map(EnvVar::getName).toList();
            assertTrue(names.indexOf("KAFKA_SASL_USERNAME") < names.indexOf("KAFKA_SASL_JAAS_CONFIG")
                    && names.indexOf("KAFKA_SASL_PASSWORD") < names.indexOf("KAFKA_SASL_JAAS_CONFIG"),
                    other + ": Kubernetes expands $(VAR) only from variables defined before: " + names);
        }
    }

    @Test
    void withoutAGlobalSecretTheComponentsWithoutOneOfTheirOwnAreNamed() {
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> RenderedChart.render(Map.of(
                "kafka.securityProtocol", "SASL_SSL",
                "connectors.kafka.sasl.existingSecret", "trpo-actor",
                "trainer.kafka.sasl.existingSecret", "trpo-trainer")));

        assertTrue(failure.getMessage().contains(
                "kafka.sasl.existingSecret is required with kafka.securityProtocol=SASL_SSL for streams, topics:"),
                failure.getMessage());
    }

    @Test
    void withoutTheTopicJobItsCredentialsAreNotNeeded() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "kafka.securityProtocol", "SASL_SSL", "topics.create", false,
                "connectors.kafka.sasl.existingSecret", "trpo-actor",
                "streams.kafka.sasl.existingSecret", "trpo-streams",
                "trainer.kafka.sasl.existingSecret", "trpo-trainer"));

        assertSecretRef(env(RenderedChart.onlyContainer(chart.streams().getSpec().getTemplate().getSpec()),
                "KAFKA_SASL_PASSWORD"), "trpo-streams", "password");
    }

    @Test
    void aUserNameThatAJaasConfigKeyWouldSilentlyOverrideIsRefused() {
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> RenderedChart.render(Map.of(
                "kafka.securityProtocol", "SASL_SSL", "kafka.sasl.existingSecret", "trpo",
                "kafka.sasl.jaasConfigKey", "sasl.jaas.config", "streams.kafka.sasl.username", "streams")));

        assertTrue(failure.getMessage().contains("streams.kafka.sasl.username, usernameKey and passwordKey are not used: "
                + "its jaasConfigKey \"sasl.jaas.config\""), failure.getMessage());
    }

    @Test
    void aWholePropertiesSecretStillReplacesEveryComponentsCredentials() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "kafka.securityProtocol", "SASL_SSL", "kafka.existingConfigSecret", "kafka-client-properties",
                "trainer.kafka.sasl.existingSecret", "trpo-trainer"));

        Container trainer = RenderedChart.onlyContainer(chart.trainer().getSpec().getTemplate().getSpec());
        assertTrue(trainer.getEnv().stream().noneMatch(e -> e.getName().startsWith("KAFKA_SASL_")), trainer.getEnv()::toString);
    }

    /** Each workload's only container, by container name (connector, streams, topics, trainer), in that order. */
    private static Map<String, Container> containers(RenderedChart chart) {
        Map<String, Container> containers = new LinkedHashMap<>();
        chart.podSpecs().values().stream().map(RenderedChart::onlyContainer)
                .sorted(Comparator.comparing(Container::getName))
                .forEach(c -> containers.put(c.getName(), c));
        return containers;
    }

    private static void assertNoVariable(Container container, String name) {
        assertTrue(container.getEnv().stream().noneMatch(e -> e.getName().equals(name)), container.getName() + " has " + name);
    }
}
