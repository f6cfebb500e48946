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
    /** The authorizer of KRaft clusters: ACLs stored in the metadata log. */
    public static final String STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    /** The SCRAM mechanisms Kafka supports. */
    public static final List<String> SCRAM_MECHANISMS = List.of("SCRAM-SHA-512", "SCRAM-SHA-256");
    private static final String BOOTSTRAP_SERVERS = "bootstrap.servers";

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String bootstrapServers;
    private final int port;
    private final long startMillis;
    private final Scram scram;
    private volatile boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean deleteOnClose, int port, long startMillis,
                          Scram scram) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.port = port;
        this.bootstrapServers = "127.0.0.1:" + port;
        this.startMillis = startMillis;
        this.scram = scram;
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

    /**
     * Client properties of the broker's own SCRAM user (a super user when {@link Builder#aclAuthorizer} is on):
     * bootstrap.servers and, with {@link Builder#scram}, the SASL settings. Without SCRAM, only bootstrap.servers.
     */
    public Map<String, Object> clientProperties() {
        return scram == null ? Map.of(BOOTSTRAP_SERVERS, bootstrapServers)
                : clientProperties(scram.brokerUser(), scram.brokerPassword());
    }

    /**
     * Client properties of one SCRAM user: {@code bootstrap.servers}, {@code security.protocol=SASL_PLAINTEXT},
     * {@code sasl.mechanism} and {@code sasl.jaas.config}, the same keys a {@code --kafka-config} file holds.
     *
     * @throws IllegalStateException when the broker was started without {@link Builder#scram}
     */
    public Map<String, Object> clientProperties(String user, String password) {
        if (scram == null) {
            throw new IllegalStateException("this broker's client listener has no SASL: start it with Builder.scram(...)");
        }
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(BOOTSTRAP_SERVERS, bootstrapServers);
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", scram.mechanism());
        props.put("sasl.jaas.config", jaasConfig(user, password));
        return props;
    }

    /** The SCRAM mechanism of the client listener ({@code SCRAM-SHA-512} or {@code SCRAM-SHA-256}), or null without SASL. */
    public String saslMechanism() {
        return scram == null ? null : scram.mechanism();
    }

    /** A {@code sasl.jaas.config} value logging in to SCRAM as {@code user}. */
    public static String jaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + jaasEscape(user)
                + "\" password=\"" + jaasEscape(password) + "\";";
    }

    private static String jaasEscape(String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a SCRAM user name or password must not be empty");
        }
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
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
        private Scram scram;
        private final Map<String, String> scramUsers = new LinkedHashMap<>();
        private boolean aclAuthorizer;
        private final List<String> superUsers = new ArrayList<>();

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

        /**
         * SASL/SCRAM on the client listener ({@code SASL_PLAINTEXT}); the controller listener stays PLAINTEXT. The
         * broker's own user is created at format time and is what the broker logs in as on the client listener (the
         * inter-broker listener): {@code listener.name.client.<mechanism>.sasl.jaas.config}. Other users come from
         * {@link #scramUser} or, once running, from {@code Admin.alterUserScramCredentials}.
         *
         * @param mechanism  {@code SCRAM-SHA-512} or {@code SCRAM-SHA-256}
         * @param brokerUser the broker's own user, e.g. {@code admin}
         */
        public Builder scram(String mechanism, String brokerUser, String brokerPassword) {
            if (!SCRAM_MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException("SCRAM mechanism '" + mechanism + "' is not one of " + SCRAM_MECHANISMS);
            }
            checkFormatValue(brokerUser);
            checkFormatValue(brokerPassword);
            this.scram = new Scram(mechanism, brokerUser, brokerPassword);
            this.listenerProtocol = "SASL_PLAINTEXT";
            return this;
        }

        /** A further SCRAM user created at format time (needs {@link #scram}; ignored when the storage is already formatted). */
        public Builder scramUser(String name, String password) {
            checkFormatValue(name);
            checkFormatValue(password);
            scramUsers.put(name, password);
            return this;
        }

        /**
         * ACLs: the {@link #STANDARD_AUTHORIZER} with {@code allow.everyone.if.no.acl.found=false}, so a principal may
         * do only what an ACL allows. Super users are the SCRAM broker user, {@code User:ANONYMOUS} (the broker's
         * principal on the PLAINTEXT controller listener, which registers and heartbeats there; that listener is on
         * loopback) and {@code extraSuperUsers} (principals such as {@code User:ops}).
         */
        public Builder aclAuthorizer(String... extraSuperUsers) {
            this.aclAuthorizer = true;
            superUsers.addAll(List.of(extraSuperUsers));
            return this;
        }

        /** A user name or password given to {@code kafka-storage format --add-scram NAME=[name=..,password=..]}. */
        private static void checkFormatValue(String value) {
            jaasEscape(value);
            if (value.contains(",") || value.contains("]") || value.contains("\"")) {
                throw new IllegalArgumentException("a format-time SCRAM user name or password cannot contain ',', ']' or '\"':"
                        + " create the user with Admin.alterUserScramCredentials instead");
            }
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
            // one node: a controlled shutdown has no other broker to hand its leaders to, and waiting for the
            // controller (itself, stopping) to approve it hung a SIGTERM for over 10 minutes
            props.put("controlled.shutdown.enable", "false");
            props.put("auto.create.topics.enable", "false");
            props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
            props.put("message.max.bytes", String.valueOf(16 * 1024 * 1024));
            props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
            props.put("log.cleaner.backoff.ms", "1000");
            if (scram != null) {
                String prefix = "listener.name.client." + scram.mechanism().toLowerCase(java.util.Locale.ROOT) + ".";
                props.put("sasl.enabled.mechanisms", scram.mechanism());
                props.put("listener.name.client.sasl.enabled.mechanisms", scram.mechanism());
                props.put("sasl.mechanism.inter.broker.protocol", scram.mechanism());
                props.put(prefix + "sasl.jaas.config", jaasConfig(scram.brokerUser(), scram.brokerPassword()));
            } else if (!scramUsers.isEmpty()) {
                throw new IllegalStateException("SCRAM users need SCRAM on the client listener: call scram(...) too");
            }
            if (aclAuthorizer) {
                List<String> supers = new ArrayList<>();
                if (scram != null) {
                    supers.add("User:" + scram.brokerUser());
                }
                supers.add("User:ANONYMOUS");
                supers.addAll(superUsers);
                props.put("authorizer.class.name", STANDARD_AUTHORIZER);
                props.put("allow.everyone.if.no.acl.found", "false");
                props.put("super.users", String.join(";", supers));
            }
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
            if (scram != null) {
                args.add("--add-scram");
                args.add(scram.mechanism() + "=[name=" + scram.brokerUser() + ",password=" + scram.brokerPassword() + "]");
                scramUsers.forEach((name, password) -> {
                    args.add("--add-scram");
                    args.add(scram.mechanism() + "=[name=" + name + ",password=" + password + "]");
                });
            }
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
            return new EmbeddedKafka(server, dir, temporary, clientPort, millis, scram);
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

    /** The client listener's SCRAM mechanism and the broker's own credentials. */
    private record Scram(String mechanism, String brokerUser, String brokerPassword) {
    }
}
