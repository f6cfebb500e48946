package dev.trpo.app.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.trpo.app.Main;
import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.app.streams.StreamsCommand;
import dev.trpo.app.trainer.TrainerCommand;
import dev.trpo.connectors.runtime.ConnectorConfig;
import dev.trpo.connectors.runtime.ConnectorMode;
import dev.trpo.connectors.runtime.ConnectorRuntime;
import dev.trpo.kafka.embedded.EmbeddedKafka;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.Activation;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.Topics;
import dev.trpo.streams.RunEnvironment;
import dev.trpo.streams.StreamsService;
import dev.trpo.streams.StreamsSettings;
import dev.trpo.trainer.EnvSpec;
import dev.trpo.trainer.Hyperparameters;
import dev.trpo.trainer.TrainerService;
import dev.trpo.trainer.TrainerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The pipeline on a broker with SASL/SCRAM-SHA-512 and ACLs (StandardAuthorizer, nothing allowed without an ACL):
 * each component logs in as its own user with the least ACLs of {@link PipelineAcls}, its client properties read
 * from a {@code --kafka-config} file as the commands read them.
 */
class KafkaSecurityTest {
    private static final String MECHANISM = "SCRAM-SHA-512";
    private static final String RUN = "secured";
    private static final Topics TOPICS = Topics.forRun(RUN);
    private static final String ENV = "CartPole-v1";
    private static final int ACTORS = 4;
    private static final int STEPS_PER_VERSION = 16;
    private static final String TRAINER_ID = "trpo." + RUN + ".trainer";
    private static final String STREAMS_APPLICATION_ID = "trpo-" + RUN + "-streams";
    /** Users and their passwords; {@code admin} is the broker's own user and a super user. */
    private static final Map<String, String> PASSWORDS = Map.of("trainer", "trainer-secret", "actor", "actor-secret",
            "streams", "streams-secret", "topics", "topics-secret", "watcher", "watcher-secret");
    /** Generous for a loaded 2-core machine; every wait polls and ends as soon as its condition holds. */
    private static final long DEADLINE_MS = 40_000;
    /** A wrong password must be refused in about a round trip; this bound is far below any client timeout. */
    private static final long REFUSAL_MS = 10_000;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension(b -> b
            .scram(MECHANISM, "admin", "admin-secret")
            .aclAuthorizer());

    @TempDir
    static Path dir;

    @BeforeAll
    static void usersAclsAndTopics() throws Exception {
        try (Admin admin = Admin.create(KAFKA.clientProperties())) {
            List<UserScramCredentialAlteration> users = new ArrayList<>();
            PASSWORDS.forEach((user, password) -> users.add(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)));
            admin.alterUserScramCredentials(users).all().get(DEADLINE_MS, TimeUnit.MILLISECONDS);

            List<AclBinding> acls = new ArrayList<>();
            acls.addAll(PipelineAcls.topicJob("topics", TOPICS));
            acls.addAll(PipelineAcls.connector("actor", TOPICS));
            acls.addAll(PipelineAcls.streams("streams", TOPICS, STREAMS_APPLICATION_ID));
            acls.addAll(PipelineAcls.trainer("trainer", TOPICS, TRAINER_ID));
            acls.addAll(PipelineAcls.watcher("watcher", TOPICS));
            admin.createAcls(acls).all().get(DEADLINE_MS, TimeUnit.MILLISECONDS);
            // Users and ACLs reach the broker through the metadata log, a moment after the calls return.
            await(() -> admin.describeAcls(AclBindingFilter.ANY).values().get().size() >= acls.size(), "the ACLs are in force");
        }
        for (String user : PASSWORDS.keySet()) {
            await(() -> canLogIn(user), user + " can log in");
        }

        Commands.Captured created = Commands.capture(() -> Main.run("topics", "create", "--run-id", RUN, "--partitions", "2",
                "--kafka-config", kafkaConfig("topics").toString()));
        assertEquals(0, created.exit(), () -> "trpo topics create as User:topics: " + created);
        assertTrue(created.out().contains("created 7 of 7 topics"), created::toString);
    }

    @Test
    void theChartsClientPropertiesTakeTheCredentialsFromTheEnvironment() throws Exception {
        // What helm/trpo-pipeline renders for kafka.securityProtocol=SASL_PLAINTEXT; the pod gets the two variables
        // from the credentials Secret and the bootstrap servers from TRPO_BOOTSTRAP_SERVERS.
        Path chartFile = dir.resolve("chart-client.properties");
        Files.writeString(chartFile, String.join("\n",
                "security.protocol=SASL_PLAINTEXT",
                "sasl.mechanism=SCRAM-SHA-512",
                "config.providers=env",
                "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "config.providers.env.param.allowlist.pattern=^KAFKA_SASL_.*$",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"${env:KAFKA_SASL_USERNAME}\" password=\"${env:KAFKA_SASL_PASSWORD}\";",
                ""));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "topics", "create", "--run-id", RUN, "--kafka-config", chartFile.toString())
                .redirectErrorStream(true);
        pb.environment().put("TRPO_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers());
        pb.environment().put("KAFKA_SASL_USERNAME", "topics");
        pb.environment().put("KAFKA_SASL_PASSWORD", PASSWORDS.get("topics"));
        Process trpo = pb.start();
        byte[] output = trpo.getInputStream().readAllBytes();

        boolean ended = trpo.waitFor(DEADLINE_MS, TimeUnit.MILLISECONDS);

        String text = new String(output, StandardCharsets.UTF_8);
        assertTrue(ended, text);
        assertEquals(0, trpo.exitValue(), text);
        assertTrue(text.contains("nothing to do: every topic of run " + RUN + " exists"), text);
    }

    @Test
    void thePipelineRunsWithEachComponentUnderItsOwnCredentials() throws Exception {
        Hyperparameters hp = Hyperparameters.forEnv(ENV, Map.of(
                Hyperparameters.BATCH_STEPS, Integer.toString(ACTORS * STEPS_PER_VERSION),
                Hyperparameters.CRITIC_MINIBATCH_SIZE, Integer.toString(ACTORS * STEPS_PER_VERSION)));
        EnvSpec env = TrainerCommand.envSpec(ENV);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TrainerService trainer = new TrainerService(TrainerSettings.of(RUN, env, hp, 7),
                clientProperties(kafkaConfig("trainer")), registry)) {
            trainer.start();
            // As 'trpo streams' does: the environment's shape, gamma and lambda from the run's first policy.
            Map<String, Object> streamsProps = new HashMap<>(clientProperties(kafkaConfig("streams")));
            streamsProps.put("commit.interval.ms", "20");
            RunEnvironment runEnv = RunEnvironment.readFromPolicies(streamsProps, TOPICS, Duration.ofMillis(DEADLINE_MS))
                    .orElseThrow(() -> new AssertionError("User:streams read no policy; trainer " + trainer.status()
                            + " " + trainer.failure()));
            StreamsSettings settings = StreamsSettings.builder(RUN).envId(runEnv.envId())
                    .shape(runEnv.observationSize(), runEnv.actionKind(), runEnv.actionSize())
                    .gamma(runEnv.gamma().orElse(StreamsSettings.DEFAULT_GAMMA))
                    .lambda(runEnv.lambda().orElse(StreamsSettings.DEFAULT_LAMBDA))
                    .segmentLength(STEPS_PER_VERSION).stateDir(dir.resolve("streams-state")).build();
            ConnectorConfig actors = new ConnectorConfig(RUN, ENV, ACTORS, 7, STEPS_PER_VERSION, ConnectorMode.SYNC,
                    "actor", 0);
            try (StreamsService streams = new StreamsService(settings, streamsProps, registry);
                 ConnectorRuntime connector = new ConnectorRuntime(actors, clientProperties(kafkaConfig("actor")), registry)) {
                streams.start();
                connector.start();

                boolean reached = trainer.awaitVersion(2, Duration.ofMillis(DEADLINE_MS));

                assertTrue(reached, () -> "policy version " + trainer.version() + " after " + DEADLINE_MS + " ms; trainer "
                        + trainer.status() + " " + trainer.failure() + ", streams " + streams.state() + ", connector "
                        + connector.failure());
                assertEquals(null, connector.failure());
                assertTrue(streams.isRunning(), () -> "streams " + streams.state());

                // trpo watch needs no more than to read policy-history and episodes
                Commands.Captured watched = Commands.capture(() -> Main.run("watch", "--run-id", RUN, "--once",
                        "--kafka-config", kafkaConfig("watcher").toString()));
                assertEquals(0, watched.exit(), watched::toString);
                assertTrue(watched.out().matches("(?s).*\\| policy version +\\| [2-9]\\d* \\(published.*"), watched::toString);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"actor", "streams"})
    void onlyTheTrainerMayPublishPolicies(String user) throws Exception {
        PolicySnapshot forged = forgedSnapshot(user);
        String key = "forged-by-" + user;
        Map<String, Object> props = new HashMap<>(clientProperties(kafkaConfig(user)));
        try (KafkaProducer<String, PolicySnapshot> producer = new KafkaProducer<>(props,
                TOPICS.policies().keySerde().serializer(), TOPICS.policies().valueSerde().serializer())) {

            ExecutionException refused = Commands.quietly(() -> assertThrows(ExecutionException.class, () -> producer
                    .send(new ProducerRecord<>(TOPICS.policies().name(), key, forged)).get(DEADLINE_MS, TimeUnit.MILLISECONDS)));

            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains(TOPICS.policies().name()), refused.getCause()::getMessage);
        }
        assertFalse(keysOnPolicies().contains(key), "a record of User:" + user + " is on " + TOPICS.policies().name());
    }

    @Test
    void aWrongPasswordIsRefusedWithinSecondsWithSaslAuthenticationException() throws Exception {
        Path wrong = kafkaConfig("actor-wrong-password", "actor", "not-the-password");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(clientProperties(wrong),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            long t0 = System.nanoTime();

            SaslAuthenticationException e = Commands.quietly(() -> assertThrows(SaslAuthenticationException.class,
                    () -> consumer.partitionsFor(TOPICS.policies().name(), Duration.ofMillis(DEADLINE_MS))));

            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(millis < REFUSAL_MS, "refused after " + millis + " ms");
            assertTrue(e.getMessage().contains("invalid credentials"), e::getMessage);
        }
    }

    @Test
    void topicsCreateWithAWrongPasswordExitsWithOneLineNamingAuthentication() throws Exception {
        Path wrong = kafkaConfig("topics-wrong-password", "topics", "not-the-password");
        long t0 = System.nanoTime();

        Commands.Captured run = Commands.quietly(() -> Commands.capture(() -> Main.run("topics", "create", "--run-id", RUN,
                "--kafka-config", wrong.toString())));

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(Main.EXIT_USAGE, run.exit(), run::toString);
        assertEquals("", run.out(), run::toString);
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run::toString);
        assertTrue(lines.get(0).startsWith("trpo topics create: "), run::toString);
        assertTrue(lines.get(0).toLowerCase(Locale.ROOT).contains("authentication failed"), run::toString);
        assertTrue(millis < REFUSAL_MS, "gave up after " + millis + " ms");
    }

    @ParameterizedTest
    @ValueSource(strings = {"trainer --env CartPole-v1", "connector --env CartPole-v1 --actors 1", "streams"})
    void aLongRunningCommandWithAWrongPasswordStopsWithOneLineNamingAuthentication(String command) throws Exception {
        Path wrong = kafkaConfig("wrong-password", "actor", "not-the-password");
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--run-id", RUN, "--metrics-port", "0", "--kafka-config", wrong.toString()));
        long t0 = System.nanoTime();

        Commands.Captured run = Commands.quietly(() -> Commands.capture(() -> trpo().execute(args.toArray(String[]::new))));

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(Main.EXIT_USAGE, run.exit(), run::toString);
        List<String> lines = run.err().lines().filter(l -> l.startsWith("trpo ")).toList();
        assertEquals(1, lines.size(), run::toString);
        assertTrue(lines.get(0).toLowerCase(Locale.ROOT).contains("authentication failed"), run::toString);
        assertFalse(run.err().contains("\tat "), run::toString);
        assertTrue(millis < REFUSAL_MS, "gave up after " + millis + " ms");
    }

    /** The {@code trpo} command line with every long-running command, as {@link Main#run} builds it. */
    private static CommandLine trpo() {
        CommandLine cmd = Main.commandLine();
        if (!cmd.getSubcommands().containsKey("streams")) {
            // StreamsCommand exists but Main does not register it yet; Main's exception handler still applies.
            cmd.addSubcommand(new StreamsCommand());
        }
        return cmd;
    }

    /** A {@code --kafka-config} file for a user, as the Helm chart writes it (the password inline here). */
    private static Path kafkaConfig(String user) throws IOException {
        return kafkaConfig(user, user, PASSWORDS.get(user));
    }

    private static Path kafkaConfig(String name, String user, String password) throws IOException {
        Path file = dir.resolve(name + ".properties");
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", KAFKA.bootstrapServers());
        p.setProperty("security.protocol", "SASL_PLAINTEXT");
        p.setProperty("sasl.mechanism", MECHANISM);
        p.setProperty("sasl.jaas.config", EmbeddedKafka.jaasConfig(user, password));
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        return file;
    }

    /** The client properties the commands build from {@code --kafka-config FILE}. */
    private static Map<String, Object> clientProperties(Path kafkaConfig) {
        KafkaClient client = new KafkaClient();
        new CommandLine(client).parseArgs("--kafka-config", kafkaConfig.toString());
        return client.kafka.clientProperties();
    }

    /** Holds the commands' Kafka options, so a test parses them the same way. */
    @Command(name = "client")
    static final class KafkaClient {
        @Mixin
        KafkaOptions kafka;
    }

    private static boolean canLogIn(String user) throws Exception {
        Map<String, Object> props = new HashMap<>(KAFKA.clientProperties(user, PASSWORDS.get(user)));
        props.put("request.timeout.ms", 5_000);
        props.put("default.api.timeout.ms", 5_000);
        try (Admin admin = Admin.create(props)) {
            return Commands.quietly(() -> {
                try {
                    admin.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                    return true;
                } catch (ExecutionException e) {
                    return false;
                }
            });
        }
    }

    /** The keys of every record on the policies topic, committed or not, read as the super user. */
    private static List<String> keysOnPolicies() {
        Map<String, Object> props = new HashMap<>(KAFKA.clientProperties());
        props.put("isolation.level", "read_uncommitted");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(TOPICS.policies().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.currentTimeMillis() + DEADLINE_MS;
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                assertTrue(System.currentTimeMillis() < deadline, "the policies topic was not read to its end in time");
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    keys.add(r.key());
                }
            }
        }
        return keys;
    }

    /** A well-formed snapshot claiming a version the trainer will not reach in this test. */
    private static PolicySnapshot forgedSnapshot(String user) {
        EnvSpec env = TrainerCommand.envSpec(ENV);
        ActorCritic ac = ActorCritic.create(env.observationSize(), env.actionSpace(), new int[] {8}, Activation.TANH,
                0.0, false, 1);
        return Snapshots.toSnapshot(ac, new Snapshots.Meta(RUN, 1_000_000, 0L, ENV, null, 1, Map.of("forged-by", user),
                null, System.currentTimeMillis()));
    }

    private static void await(Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (!condition.call()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(50);
        }
    }
}
