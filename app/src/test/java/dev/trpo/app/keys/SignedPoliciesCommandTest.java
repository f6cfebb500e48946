package dev.trpo.app.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.app.Main;
import dev.trpo.app.cli.PolicyKeyOptions;
import dev.trpo.app.cli.SigningKeyOptions;
import dev.trpo.app.train.TrainCommand;
import dev.trpo.app.trainer.TrainerCommand;
import dev.trpo.app.train.TrainResult;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.signing.SigningKeys;
import dev.trpo.schemas.signing.SnapshotSigner;
import dev.trpo.schemas.signing.SnapshotVerifier;
import dev.trpo.trainer.Hyperparameters;
import dev.trpo.trainer.TrainerService;
import dev.trpo.trainer.TrainerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine;

/**
 * {@code trpo keys generate}, and the keys it writes used end to end: {@code trpo train --signing-key
 * --policy-public-key --require-signed-policies} (the real trainer signs, its actors verify every version), then
 * {@code trpo eval --run-id} on what the trainer published and on forgeries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the forgeries are written to the run's topics last
class SignedPoliciesCommandTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String RUN = "signed-train";
    /** 2 updates of CartPole's preset batch (1024 steps) after version 0. */
    private static final long VERSIONS = 2;

    @TempDir
    static Path shared;

    private static Path keys;
    private static TrainResult trained;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            return new Result(cmd.execute(args), out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    @BeforeAll
    static void keysAndASignedRun() throws Exception {
        keys = shared.resolve("keys");
        Result generated = run("keys", "generate", "--out", keys.toString());
        assertEquals(0, generated.code(), generated.err());

        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--env", "CartPole-v1", "--run-id", RUN, "--seed", "4",
                "--run-dir", shared.resolve(RUN).toString(), "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--metrics-port", "0", "--quiet", "--timeout", "PT5M", "--total-steps", String.valueOf(VERSIONS * 1024),
                "--eval-every", "0", "--eval-episodes", "1",
                "--signing-key", keys.resolve(KeysGenerateCommand.PRIVATE_FILE).toString(),
                "--policy-public-key", keys.resolve(KeysGenerateCommand.PUBLIC_FILE).toString(),
                "--require-signed-policies");
        trained = train.run();
    }

    private static SnapshotVerifier publicKey() {
        return SnapshotVerifier.fromPemFile(keys.resolve(KeysGenerateCommand.PUBLIC_FILE), true);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<String, Object> p = new HashMap<>(KAFKA.clientProperties());
        p.put("isolation.level", "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static void publish(String topic, byte[] value, Headers headers) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(KAFKA.clientProperties(), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, null, RUN.getBytes(StandardCharsets.UTF_8), value, headers))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void generatedKeysAreAPairTheTrainerAndTheVerifiersFlagsAccept() throws Exception {
        Path privateFile = keys.resolve(KeysGenerateCommand.PRIVATE_FILE);
        Path publicFile = keys.resolve(KeysGenerateCommand.PUBLIC_FILE);
        SigningKeyOptions signing = CommandLine.populateCommand(new SigningKeyOptions(), "--signing-key",
                privateFile.toString());
        PolicyKeyOptions verifying = CommandLine.populateCommand(new PolicyKeyOptions(), "--policy-public-key",
                publicFile.toString(), "--require-signed-policies");

        SnapshotSigner signer = signing.signer();
        SnapshotVerifier verifier = verifying.verifier();

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile)));
        assertEquals(List.of(signer.keyId()), verifier.keyIds());
        byte[] value = {1, 2, 3};
        Headers h = new RecordHeaders();
        signer.addHeaders(value, h);
        assertNull(verifier.refusal(value, h));
    }

    @Test
    void keysAreNeverOverwrittenAndAWrongKeyFileIsOneLine() throws Exception {
        Path privateFile = keys.resolve(KeysGenerateCommand.PRIVATE_FILE);
        String before = Files.readString(privateFile);

        Result again = run("keys", "generate", "--out", keys.toString());
        Result wrongKey = run("trainer", "--run-id", "r", "--env", "CartPole-v1", "--signing-key",
                keys.resolve(KeysGenerateCommand.PUBLIC_FILE).toString());
        Result noKey = run("connector", "--run-id", "r", "--env", "CartPole-v1", "--require-signed-policies");

        assertEquals(Main.EXIT_USAGE, again.code());
        assertTrue(again.err().contains("exists: keys are not overwritten"), again.err());
        assertEquals(before, Files.readString(privateFile));
        assertEquals(Main.EXIT_USAGE, wrongKey.code(), wrongKey.err());
        assertTrue(wrongKey.err().contains("--signing-key: private key "), wrongKey.err());
        assertEquals(1, wrongKey.err().lines().count(), wrongKey.err());
        assertEquals(Main.EXIT_USAGE, noKey.code(), noKey.err());
        assertTrue(noKey.err().contains("--require-signed-policies needs --policy-public-key"), noKey.err());
    }

    @Test
    @Order(1)
    void theTrainerSignsEveryVersionOnBothTopicsAndItsVerifyingActorsActWithEachOne() {
        Topics topics = Topics.forRun(RUN);
        SnapshotVerifier verifier = publicKey();

        List<ConsumerRecord<byte[], byte[]>> history = readAll(topics.policyHistory().name());
        List<ConsumerRecord<byte[], byte[]>> policies = readAll(topics.policies().name());

        assertTrue(trained.ok(), "the run ends normally: every version was acted with, none refused");
        assertEquals(VERSIONS, ((Number) trained.summary().get("policy_version")).longValue());
        assertEquals(VERSIONS + 1, history.size(), "versions 0 to " + VERSIONS);
        for (ConsumerRecord<byte[], byte[]> r : history) {
            assertNull(verifier.refusal(r.value(), r.headers()), "history offset " + r.offset());
        }
        assertEquals(VERSIONS + 1, policies.size());
        for (ConsumerRecord<byte[], byte[]> r : policies) {
            assertNull(verifier.refusal(r.value(), r.headers()), "policies offset " + r.offset());
        }
    }

    @Test
    @Order(2)
    void evalRefusesASnapshotTheTrainerDidNotSignWithOneLine() throws Exception {
        String history = Topics.forRun(RUN).policyHistory().name();
        AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
        ConsumerRecord<byte[], byte[]> genuine = readAll(history).get(0);
        // a newer version written by someone with write access but another key, and the genuine version 0 changed
        // (its version number) under its copied signature
        PolicySnapshot newer = PolicySnapshot.newBuilder(serde.decode(genuine.value())).setVersion(1000).build();
        byte[] forged = serde.encode(newer);
        Headers intruder = new RecordHeaders();
        SnapshotSigner.of(SigningKeys.generate().getPrivate()).addHeaders(forged, intruder);
        byte[] tampered = serde.encode(PolicySnapshot.newBuilder(serde.decode(genuine.value())).setVersion(999)
                .build());
        String pub = keys.resolve(KeysGenerateCommand.PUBLIC_FILE).toString();

        Result signed = run("eval", "--run-id", RUN, "--policy-version", "1", "--episodes", "1",
                "--policy-public-key", pub, "--require-signed-policies", "--bootstrap-servers", KAFKA.bootstrapServers());
        publish(history, forged, intruder);
        publish(history, tampered, genuine.headers());
        Result unknownKey = run("eval", "--run-id", RUN, "--episodes", "1", "--policy-public-key", pub,
                "--bootstrap-servers", KAFKA.bootstrapServers());
        Result badSignature = run("eval", "--run-id", RUN, "--policy-version", "999", "--episodes", "1",
                "--policy-public-key", pub, "--bootstrap-servers", KAFKA.bootstrapServers());
        Result unchecked = run("eval", "--run-id", RUN, "--episodes", "1", "--bootstrap-servers",
                KAFKA.bootstrapServers());

        assertEquals(0, signed.code(), signed.err());
        assertTrue(signed.out().contains("policy v1"), signed.out());
        assertEquals(Main.EXIT_USAGE, unknownKey.code(), unknownKey.err());
        assertEquals(1, unknownKey.err().lines().count(), unknownKey.err());
        assertTrue(unknownKey.err().contains("policy refused run=" + RUN + " version=1000 offset="), unknownKey.err());
        assertTrue(unknownKey.err().contains("reason=unknown-key"), unknownKey.err());
        assertEquals(Main.EXIT_USAGE, badSignature.code(), badSignature.err());
        assertTrue(badSignature.err().contains("version=999 offset=") && badSignature.err().contains("reason=bad-signature"),
                badSignature.err());
        assertEquals(0, unchecked.code(), "without a public key nothing is checked: " + unchecked.err());
        assertNotNull(genuine.headers().lastHeader(dev.trpo.schemas.signing.SignatureHeaders.SIGNATURE));
    }
    @Test
    @Order(3)
    void aTrainerWithTheKeyDoesNotRestoreFromASnapshotItDidNotSign() throws Exception {
        Topics topics = Topics.forRun(RUN);
        AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
        PolicySnapshot newest = serde.decode(readAll(topics.policies().name()).get((int) VERSIONS).value());
        byte[] forged = serde.encode(PolicySnapshot.newBuilder(newest).setVersion(5000).build());
        Headers intruder = new RecordHeaders();
        SnapshotSigner.of(SigningKeys.generate().getPrivate()).addHeaders(forged, intruder);
        publish(topics.policies().name(), forged, intruder);
        TrainerSettings settings = TrainerSettings.of(RUN, TrainerCommand.envSpec("CartPole-v1"),
                        Hyperparameters.forEnv("CartPole-v1", Map.of()), 4)
                .withMaxVersions(VERSIONS).withSigner(SnapshotSigner.fromPemFile(keys.resolve(
                        KeysGenerateCommand.PRIVATE_FILE)));

        try (TrainerService trainer = new TrainerService(settings, KAFKA.clientProperties(), new SimpleMeterRegistry())) {
            trainer.start();
            assertEquals(TrainerService.Status.COMPLETED, trainer.awaitTermination(Duration.ofSeconds(60)));
            assertEquals(VERSIONS, trainer.version(), "restored from the newest version its key signed");
        }
    }
}
