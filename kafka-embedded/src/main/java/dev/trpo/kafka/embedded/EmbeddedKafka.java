package dev.trpo.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A real Kafka broker in KRaft mode (one node that is broker and controller) running in this JVM,
 * listening on 127.0.0.1 only. Its data lives in a given folder (kept, so a restart continues where
 * it stopped) or in a temporary one (deleted on close).
 *
 * <p>Single-node settings that Kafka needs and does not default: replication factor 1 and min ISR 1
 * for the offsets, transaction and share-coordinator topics, and no initial rebalance delay.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String bootstrapServers;
    private final int port;
    private final long startMillis;
    private volatile boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean deleteOnClose, int port, long startMillis) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.port = port;
        this.bootstrapServers = "127.0.0.1:" + port;
        this.startMillis = startMillis;
    }

    /** Starts a broker with default settings: data in {@code dataDir} (null = a temporary folder), {@code port} (0 = a free one). */
    public static EmbeddedKafka start(Path dataDir, int port) {
        return builder().dataDir(dataDir).port(port).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:PORT} of the client listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Milliseconds from the call to start until the broker accepted clients. */
    public long startMillis() {
        return startMillis;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary folder is not worth failing a shutdown for.
        }
    }

    /** Settings of an embedded broker. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final List<String> formatArguments = new ArrayList<>();
        private String listenerProtocol = "PLAINTEXT";

        private Builder() {
        }

        /** Folder for the broker's logs and metadata; null = a temporary folder deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Client port on 127.0.0.1; 0 = any free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is out of range: use 0 (any free port) or 1-65535");
            }
            this.port = port;
            return this;
        }

        /** Any broker property, e.g. {@code authorizer.class.name}; applied last. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /** Security protocol of the client listener (PLAINTEXT, SASL_PLAINTEXT, ...). */
        public Builder clientListenerProtocol(String protocol) {
            this.listenerProtocol = protocol;
            return this;
        }

        /** Extra arguments to {@code kafka-storage format}, e.g. {@code --add-scram SCRAM-SHA-512=[name=alice,password=secret]}. */
        public Builder formatArgument(String... args) {
            formatArguments.addAll(List.of(args));
            return this;
        }

        /** Formats the storage if needed and starts the broker; returns once it accepts clients. */
        public EmbeddedKafka start() {
            long t0 = System.nanoTime();
            boolean temporary = dataDir == null;
            Path dir;
            try {
                dir = temporary ? Files.createTempDirectory("trpo-kafka-") : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the broker's data folder " + dataDir + ": " + e.getMessage(), e);
            }
            int clientPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.put("listeners", "CLIENT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", "CLIENT://127.0.0.1:" + clientPort);
            props.put("listener.security.protocol.map", "CLIENT:" + listenerProtocol + ",CONTROLLER:PLAINTEXT");
            props.put("inter.broker.listener.name", "CLIENT");
            props.put("controller.listener.names", "CONTROLLER");
            props.put("log.dirs", dir.resolve("logs").toString());
            props.put("num.partitions", "1");
            props.put("default.replication.factor", "1");
            props.put("min.insync.replicas", "1");
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "4");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "4");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", "false");
            props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
            props.put("message.max.bytes", String.valueOf(16 * 1024 * 1024));
            props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
            props.put("log.cleaner.backoff.ms", "1000");
            overrides.forEach(props::put);
            Path configFile = dir.resolve("server.properties");
            try (Writer w = Files.newBufferedWriter(configFile)) {
                props.store(w, "embedded trpo broker");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String clusterId = readOrCreateClusterId(dir);
            List<String> args = new ArrayList<>(List.of("format", "--config", configFile.toString(),
                    "--cluster-id", clusterId, "--ignore-formatted"));
            args.addAll(formatArguments);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc;
            try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(args.toArray(String[]::new), ps);
            } catch (Exception e) {
                throw new IllegalStateException("cannot format the broker's storage in " + dir + ": " + e.getMessage(), e);
            }
            if (rc != 0) {
                throw new IllegalStateException("cannot format the broker's storage in " + dir + ": "
                        + out.toString(StandardCharsets.UTF_8).strip());
            }
            Map<Object, Object> config = new LinkedHashMap<>(props);
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
            server.startup();
            long millis = (System.nanoTime() - t0) / 1_000_000;
            return new EmbeddedKafka(server, dir, temporary, clientPort, millis);
        }

        private static String readOrCreateClusterId(Path dir) {
            Path file = dir.resolve("cluster.id");
            try {
                if (Files.exists(file)) {
                    return Files.readString(file).strip();
                }
                String id = Uuid.randomUuid().toString();
                Files.writeString(file, id);
                return id;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on 127.0.0.1: " + e.getMessage(), e);
            }
        }
    }
}
