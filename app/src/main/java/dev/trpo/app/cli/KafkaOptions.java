package dev.trpo.app.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

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

    /**
     * {@link #clientProperties()}, once a broker of that cluster has answered (describeCluster, within the
     * properties' {@code default.api.timeout.ms}, 30 s unless set): a wrong address or listener is then one line
     * naming what to check, instead of the first Kafka call timing out somewhere in the component.
     *
     * @throws UsageException when no broker answered in time
     * @throws Exception      the client's own failure otherwise (authentication, TLS: {@code Main} words those)
     */
    public Map<String, Object> reachableClientProperties() throws Exception {
        Map<String, Object> props = clientProperties();
        requireReachable(props);
        return props;
    }

    /** Throws the {@link UsageException} of {@link #reachableClientProperties()} when no broker answers. */
    private static void requireReachable(Map<String, Object> props) throws Exception {
        long timeoutMs = Long.parseLong(String.valueOf(props.getOrDefault("default.api.timeout.ms", "30000")));
        Map<String, Object> p = new HashMap<>(props);
        p.put("default.api.timeout.ms", String.valueOf(timeoutMs));
        p.putIfAbsent("request.timeout.ms", String.valueOf(Math.min(timeoutMs, 15_000)));
        Admin created;
        try {
            created = Admin.create(p);
        } catch (org.apache.kafka.common.KafkaException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof org.apache.kafka.common.config.ConfigException) {
                    throw new UsageException("cannot use bootstrap servers " + props.get("bootstrap.servers") + ": "
                            + c.getMessage() + " (check --bootstrap-servers or TRPO_BOOTSTRAP_SERVERS: HOST:PORT[,...],"
                            + " with host names this machine resolves)");
                }
            }
            throw e;
        }
        try (Admin admin = created) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) Math.min(timeoutMs, Integer.MAX_VALUE)))
                    .clusterId().get(timeoutMs + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(props, timeoutMs);
            }
            throw e;
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(props, timeoutMs);
        }
    }

    private static UsageException unreachable(Map<String, Object> props, long timeoutMs) {
        Object protocol = props.getOrDefault("security.protocol", "PLAINTEXT");
        return new UsageException("no Kafka broker answered at " + props.get("bootstrap.servers") + " within "
                + (timeoutMs / 1000.0) + " s (security.protocol " + protocol + "): check --bootstrap-servers"
                + " (or TRPO_BOOTSTRAP_SERVERS), that the brokers are up and reachable from here, and that the"
                + " listener's protocol matches --kafka-config");
    }
}
