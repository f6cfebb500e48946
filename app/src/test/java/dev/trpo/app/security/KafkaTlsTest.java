package dev.trpo.app.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.trpo.app.Main;
import dev.trpo.kafka.embedded.EmbeddedKafka;

/**
 * The pipeline against a broker whose only client listener is SASL_SSL, with the client properties the Helm chart
 * renders for {@code kafka.securityProtocol=SASL_SSL} and {@code kafka.tls.existingSecret} (the CA as a PEM file,
 * host-name verification on). The certificates are made here with the JDK's keytool: a CA, and a broker certificate
 * it signs for 127.0.0.1.
 */
class KafkaTlsTest {
    private static final String MECHANISM = "SCRAM-SHA-512";
    private static final String STORE_PASSWORD = "changeit";
    /** A refused handshake must end the command in about a round trip, far below any client timeout. */
    private static final long REFUSAL_MS = 15_000;

    @TempDir
    static Path dir;

    private static EmbeddedKafka broker;

    @BeforeAll
    static void certificatesAndBroker() throws Exception {
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=trpo test CA",
                "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", path("ca.p12"));
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", path("ca.p12"), "-file", path("ca.pem"));
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", path("broker.p12"));
        keytool("-certreq", "-alias", "broker", "-keystore", path("broker.p12"), "-file", path("broker.csr"));
        keytool("-gencert", "-alias", "ca", "-keystore", path("ca.p12"), "-infile", path("broker.csr"),
                "-outfile", path("broker.pem"), "-rfc", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", path("ca.pem"), "-keystore", path("broker.p12"));
        keytool("-importcert", "-alias", "broker", "-file", path("broker.pem"), "-keystore", path("broker.p12"));
        // a CA the broker's certificate does not come from
        keytool("-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=another CA",
                "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", path("other.p12"));
        keytool("-exportcert", "-rfc", "-alias", "other", "-keystore", path("other.p12"), "-file", path("other.pem"));

        // The client listener is also the inter-broker one, so the broker trusts the same CA as the clients.
        broker = EmbeddedKafka.builder().dataDir(dir.resolve("broker-data"))
                .scram(MECHANISM, "admin", "admin-secret").scramUser("trpo", "trpo-secret")
                .clientListenerProtocol("SASL_SSL")
                .brokerProperty("listener.name.client.ssl.keystore.type", "PKCS12")
                .brokerProperty("listener.name.client.ssl.keystore.location", path("broker.p12"))
                .brokerProperty("listener.name.client.ssl.keystore.password", STORE_PASSWORD)
                .brokerProperty("listener.name.client.ssl.key.password", STORE_PASSWORD)
                .brokerProperty("listener.name.client.ssl.truststore.type", "PEM")
                .brokerProperty("listener.name.client.ssl.truststore.location", path("ca.pem"))
                .start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void trainRunsEndToEndOverSaslSslWithTheChartsClientProperties() throws Exception {
        Path config = chartClientProperties("client.properties", path("ca.pem"));
        Path runDir = dir.resolve("run");

        Commands.Captured run = Commands.capture(() -> Main.run("train", "--env", "CartPole-v1", "--seed", "3",
                "--run-id", "tls", "--total-steps", "4096", "--bootstrap-servers", broker.bootstrapServers(),
                "--kafka-config", config.toString(), "--run-dir", runDir.toString(), "--metrics-port", "0", "--quiet",
                "--timeout", "PT10M"));

        assertEquals(0, run.exit(), run::toString);
        JsonNode summary = new ObjectMapper().readTree(runDir.resolve("summary.json").toFile());
        assertEquals(4, summary.get("policy_version").asLong(), "four versions of 1024 steps: " + summary);
        assertEquals(4096, summary.get("total_steps").asLong(), summary::toString);
        assertTrue(Files.size(runDir.resolve("policy.avro")) > 0, "the final policy was written");
    }

    @Test
    void aClientThatDoesNotTrustTheBrokersCaExitsWithOneLineNamingTheHandshake() throws Exception {
        Path config = chartClientProperties("untrusting.properties", path("other.pem"));
        long t0 = System.nanoTime();

        Commands.Captured run = Commands.quietly(() -> Commands.capture(() -> Main.run("topics", "create",
                "--run-id", "refused", "--bootstrap-servers", broker.bootstrapServers(),
                "--kafka-config", config.toString())));

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(Main.EXIT_USAGE, run.exit(), run::toString);
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run::toString);
        String line = lines.get(0).toLowerCase(Locale.ROOT);
        assertTrue(line.startsWith("trpo topics create: kafka tls handshake failed: ssl handshake failed"),
                run::toString);
        assertTrue(line.contains("certification path"), "the line gives the JDK's reason: " + run);
        assertTrue(line.contains("ssl.truststore.*"), "the line says which settings to check: " + run);
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run);
        assertTrue(millis < REFUSAL_MS, "gave up after " + millis + " ms");
        System.out.println("refused in " + millis + " ms: " + lines.get(0));
    }

    /**
     * What helm/trpo-pipeline renders for SASL_SSL with {@code kafka.tls.existingSecret} (the CA mounted as a PEM
     * file), with the credentials written in instead of read from the pod's environment.
     */
    private static Path chartClientProperties(String name, String caPem) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=" + MECHANISM,
                "sasl.jaas.config=" + EmbeddedKafka.jaasConfig("trpo", "trpo-secret"),
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + caPem,
                "ssl.endpoint.identification.algorithm=https",
                ""));
        return file;
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", STORE_PASSWORD));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool " + String.join(" ", args) + " did not finish");
        assertEquals(0, p.exitValue(), () -> "keytool " + String.join(" ", args) + ":\n" + output);
    }
}
