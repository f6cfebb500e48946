package dev.trpo.helm;

import static dev.trpo.helm.PodSpecTest.assertMounted;
import static dev.trpo.helm.PodSpecTest.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How Kafka credentials and trust reach the processes: a generated properties file without secrets, credentials as
 * environment variables from the user's Secret (resolved by Kafka's EnvVarConfigProvider), the CA from a Secret.
 */
class KafkaSecurityTest {

    private static final Map<String, Object> SASL_SSL = Map.of(
            "kafka.securityProtocol", "SASL_SSL",
            "kafka.sasl.existingSecret", "trpo-kafka-user",
            "kafka.tls.existingSecret", "my-cluster-cluster-ca-cert");

    @Test
    void plaintextNeedsNoSecretAndMountsNoTrustStore(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(Map.of(), workDir);

        assertEquals("PLAINTEXT", clientProperties(chart, "demo-trpo-pipeline-kafka-client").getProperty("security.protocol"));
        chart.podSpecs().forEach((name, pod) -> {
            assertTrue(pod.getVolumes().stream().noneMatch(v -> v.getSecret() != null), name);
            assertTrue(RenderedChart.onlyContainer(pod).getEnv().stream().noneMatch(e -> e.getName().startsWith("KAFKA_SASL_")), name);
        });
    }

    @Test
    void saslSslWithScramReadsCredentialsFromTheSecretAndTrustsTheMountedCa(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(SASL_SSL, workDir);

        Properties client = clientProperties(chart, "demo-trpo-pipeline-kafka-client");
        assertEquals("SASL_SSL", client.getProperty("security.protocol"));
        assertEquals("SCRAM-SHA-512", client.getProperty("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"${env:KAFKA_SASL_USERNAME}\" password=\"${env:KAFKA_SASL_PASSWORD}\";",
                client.getProperty("sasl.jaas.config"));
        assertEquals("org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                client.getProperty("config.providers.env.class"));
        assertEquals("PEM", client.getProperty("ssl.truststore.type"));
        assertEquals("/etc/trpo/kafka-tls/ca.crt", client.getProperty("ssl.truststore.location"));
        assertEquals("https", client.getProperty("ssl.endpoint.identification.algorithm"));
        assertEquals(client, clientProperties(chart, "demo-trpo-pipeline-topics-kafka-client"),
                "the topic Job's copy is the same file");

        chart.podSpecs().forEach((name, pod) -> {
            Container container = RenderedChart.onlyContainer(pod);
            assertSecretRef(env(container, "KAFKA_SASL_USERNAME"), "trpo-kafka-user", "username");
            assertSecretRef(env(container, "KAFKA_SASL_PASSWORD"), "trpo-kafka-user", "password");
            Volume tls = volume(pod, "kafka-tls");
            assertEquals("my-cluster-cluster-ca-cert", tls.getSecret().getSecretName(), name);
            assertMounted(container, "kafka-tls", "/etc/trpo/kafka-tls");
        });
    }

    @Test
    void credentialsTravelAsEnvironmentVariablesNeverInAConfigMap() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "kafka.securityProtocol", "SASL_PLAINTEXT", "kafka.sasl.existingSecret", "creds",
                "kafka.sasl.username", "trainer-bot"));

        for (ConfigMap configMap : chart.all(ConfigMap.class)) {
            configMap.getData().values().forEach(v -> assertFalse(v.contains("trainer-bot"), configMap.getMetadata().getName()));
        }
        assertTrue(clientProperties(chart, "demo-trpo-pipeline-kafka-client").getProperty("sasl.jaas.config")
                .contains("password=\"${env:KAFKA_SASL_PASSWORD}\""));
        Container trainer = RenderedChart.onlyContainer(chart.trainer().getSpec().getTemplate().getSpec());
        assertEquals("trainer-bot", env(trainer, "KAFKA_SASL_USERNAME").getValue(), "a plain user name needs no Secret key");
        assertSecretRef(env(trainer, "KAFKA_SASL_PASSWORD"), "creds", "password");
        assertTrue(trainer.getVolumeMounts().stream().noneMatch(m -> m.getName().equals("kafka-tls")),
                "SASL_PLAINTEXT mounts no trust store");
    }

    @Test
    void aStrimziUserSecretCanProvideTheWholeJaasConfig() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "kafka.securityProtocol", "SASL_SSL", "kafka.sasl.existingSecret", "trpo-user",
                "kafka.sasl.jaasConfigKey", "sasl.jaas.config", "kafka.sasl.mechanism", "SCRAM-SHA-256"));

        Properties client = clientProperties(chart, "demo-trpo-pipeline-kafka-client");
        assertEquals("${env:KAFKA_SASL_JAAS_CONFIG}", client.getProperty("sasl.jaas.config"));
        assertEquals("SCRAM-SHA-256", client.getProperty("sasl.mechanism"));
        assertNull(client.getProperty("ssl.truststore.location"), "no CA Secret: the JVM's trust store");
        Container connector = RenderedChart.onlyContainer(chart.connectors().getSpec().getTemplate().getSpec());
        assertSecretRef(env(connector, "KAFKA_SASL_JAAS_CONFIG"), "trpo-user", "sasl.jaas.config");
        assertTrue(connector.getEnv().stream().noneMatch(e -> e.getName().equals("KAFKA_SASL_PASSWORD")));
    }

    @Test
    void extraClientPropertiesPassThroughUntouched() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "kafka.config.client\\.dns\\.lookup", "use_all_dns_ips", "kafka.config.request\\.timeout\\.ms", 60000));

        Properties client = clientProperties(chart, "demo-trpo-pipeline-kafka-client");
        assertEquals("use_all_dns_ips", client.getProperty("client.dns.lookup"));
        assertEquals("60000", client.getProperty("request.timeout.ms"));
    }

    @Test
    void anExistingPropertiesSecretReplacesTheGeneratedFile(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(Map.of(
                "kafka.securityProtocol", "SASL_SSL", "kafka.existingConfigSecret", "kafka-client-properties"), workDir);

        assertTrue(chart.find(ConfigMap.class, "demo-trpo-pipeline-kafka-client").isEmpty());
        assertTrue(chart.find(ConfigMap.class, "demo-trpo-pipeline-topics-kafka-client").isEmpty());
        chart.podSpecs().forEach((name, pod) -> {
            Volume client = volume(pod, "kafka-client");
            assertEquals("kafka-client-properties", client.getSecret().getSecretName(), name);
            assertEquals("client.properties", client.getSecret().getItems().get(0).getKey(), name);
            assertEquals("client.properties", client.getSecret().getItems().get(0).getPath(), name);
            assertMounted(RenderedChart.onlyContainer(pod), "kafka-client", "/etc/trpo/kafka");
            assertTrue(RenderedChart.onlyContainer(pod).getEnv().stream().noneMatch(e -> e.getName().startsWith("KAFKA_SASL_")),
                    name);
        });
    }

    static Properties clientProperties(RenderedChart chart, String configMap) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(chart.get(ConfigMap.class, configMap).getData().get("client.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    static void assertSecretRef(EnvVar variable, String secret, String key) {
        assertEquals(secret, variable.getValueFrom().getSecretKeyRef().getName(), variable.getName());
        assertEquals(key, variable.getValueFrom().getSecretKeyRef().getKey(), variable.getName());
    }
}
