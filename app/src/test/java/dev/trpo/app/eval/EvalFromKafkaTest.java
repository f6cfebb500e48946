package dev.trpo.app.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.app.Main;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import picocli.CommandLine;

/** {@code trpo eval --run-id R [--policy-version V] [--save FILE]}: a version read back from a run's policy-history topic. */
class EvalFromKafkaTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String RUN = "history";

    @TempDir
    Path tmp;

    private record Result(int code, String err) {
    }

    @BeforeAll
    static void aRunWithThreeVersions() throws Exception {
        Topics topics = Topics.forRun(RUN);
        try (Admin admin = Admin.create(KAFKA.clientProperties())) {
            TopicProvisioner.createAll(admin, topics, 1, (short) 1);
        }
        Map<String, Object> p = new HashMap<>(KAFKA.clientProperties());
        p.put("key.serializer", ByteArraySerializer.class);
        p.put("value.serializer", ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long v = 0; v < 3; v++) {
                ActorCritic ac = ActorCritic.create(4, new ActionSpace.Discrete(2), new int[] {8}, Activation.TANH, 0,
                        false, 10 + v);
                PolicySnapshot s = Snapshots.toSnapshot(ac, new Snapshots.Meta(RUN, v, v == 0 ? null : v - 1,
                        "CartPole-v1", null, 1, Map.of(), null, 0));
                producer.send(new ProducerRecord<>(topics.policyHistory().name(), RUN.getBytes(StandardCharsets.UTF_8),
                        AvroSerde.of(PolicySnapshot.class).encode(s))).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Result run(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        return new Result(cmd.execute(args), err.toString());
    }

    @Test
    void aVersionIsReadBackEvaluatedAndSaved() {
        Path saved = tmp.resolve("v1.avro");

        Result r = run("eval", "--run-id", RUN, "--policy-version", "1", "--episodes", "2",
                "--bootstrap-servers", KAFKA.bootstrapServers(), "--save", saved.toString());

        assertEquals(0, r.code(), r.err());
        PolicySnapshot s = EvalCommand.read(saved);
        assertEquals(1, s.getVersion());
        assertEquals(0L, s.getParentVersion());
    }

    @Test
    void withoutAVersionTheNewestIsTaken() {
        Path saved = tmp.resolve("newest.avro");

        Result r = run("eval", "--run-id", RUN, "--episodes", "2", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--save", saved.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(2, EvalCommand.read(saved).getVersion());
    }

    @Test
    void aMissingVersionOrRunOrSourceIsOneLineNamingWhatThereIs() {
        Result missing = run("eval", "--run-id", RUN, "--policy-version", "7", "--bootstrap-servers", KAFKA.bootstrapServers());
        assertEquals(Main.EXIT_USAGE, missing.code(), missing.err());
        assertTrue(missing.err().contains("run history has no version 7; it has versions 0 to 2"), missing.err());
        assertEquals(1, missing.err().lines().count(), missing.err());

        Result noRun = run("eval", "--run-id", "nosuchrun", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--timeout", "PT5S");
        assertEquals(Main.EXIT_USAGE, noRun.code(), noRun.err());
        assertTrue(noRun.err().contains("run nosuchrun has no topic trpo.nosuchrun.policy-history"), noRun.err());

        Result neither = run("eval", "--episodes", "2");
        assertEquals(Main.EXIT_USAGE, neither.code(), neither.err());
        assertTrue(neither.err().contains("give either --policy FILE or --run-id R"), neither.err());
    }
}
