package dev.trpo.app.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import picocli.CommandLine.Option;

/**
 * The options every command that talks to Kafka takes: where the cluster is and extra client
 * properties (security settings among them). Use as a picocli {@code @Mixin}.
 */
public final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:TRPO_BOOTSTRAP_SERVERS}",
            description = "Kafka bootstrap servers (env TRPO_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE", defaultValue = "${env:TRPO_KAFKA_CONFIG}",
            description = "A properties file of extra Kafka client settings (security.protocol, sasl.*, ssl.*, ...), passed through untouched (env TRPO_KAFKA_CONFIG).")
    Path kafkaConfig;

    /** The bootstrap servers given, or null. */
    public String bootstrapServers() {
        return bootstrapServers == null || bootstrapServers.isBlank() ? null : bootstrapServers.strip();
    }

    /** Overrides the bootstrap servers (for the embedded broker). */
    public void bootstrapServers(String servers) {
        this.bootstrapServers = servers;
    }

    /**
     * The client properties: the file's, then bootstrap.servers.
     *
     * @throws UsageException when the servers are missing or the file cannot be read
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        if (kafkaConfig != null) {
            if (!Files.isReadable(kafkaConfig)) {
                throw new UsageException("--kafka-config " + kafkaConfig + ": no readable file there");
            }
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(kafkaConfig)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                throw new UsageException("--kafka-config " + kafkaConfig + ": cannot read it as a properties file (" + e.getMessage() + ")");
            }
            p.forEach((k, v) -> props.put(k.toString(), v.toString()));
        }
        String servers = bootstrapServers();
        if (servers == null) {
            servers = (String) props.get("bootstrap.servers");
        }
        if (servers == null || servers.isBlank()) {
            throw new UsageException("no Kafka cluster given: pass --bootstrap-servers HOST:PORT (or start one with ./trpo broker)");
        }
        props.put("bootstrap.servers", servers);
        return props;
    }
}
