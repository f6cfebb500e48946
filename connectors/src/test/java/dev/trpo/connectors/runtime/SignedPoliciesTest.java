package dev.trpo.connectors.runtime;

import static dev.trpo.connectors.runtime.RuntimeFixtures.assertStepsStayAt;
import static dev.trpo.connectors.runtime.RuntimeFixtures.await;
import static dev.trpo.connectors.runtime.RuntimeFixtures.createTopics;
import static dev.trpo.connectors.runtime.RuntimeFixtures.policyFor;
import static dev.trpo.connectors.runtime.RuntimeFixtures.publishPolicyRecord;
import static dev.trpo.connectors.runtime.RuntimeFixtures.readTransitions;
import static dev.trpo.connectors.runtime.RuntimeFixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;
import dev.trpo.schemas.signing.SigningKeys;
import dev.trpo.schemas.signing.SnapshotSigner;
import dev.trpo.schemas.signing.SnapshotVerifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connectors with the trainer's public key act only with snapshots the trainer's private key signed: what someone
 * else with write access to the policies topic publishes is refused, counted, and the actors go on with the last
 * good version.
 */
class SignedPoliciesTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String ENV = "CartPole-v1";
    private static final int STEPS_PER_VERSION = 5;
    private static final SnapshotSigner TRAINER = SnapshotSigner.of(SigningKeys.generate().getPrivate());
    private static final SnapshotSigner INTRUDER = SnapshotSigner.of(SigningKeys.generate().getPrivate());
    private static final AvroSerde<PolicySnapshot> SERDE = AvroSerde.of(PolicySnapshot.class);

    private static SnapshotVerifier verifier(boolean requireSigned) {
        return SnapshotVerifier.of(List.of(TRAINER.publicKey()), requireSigned);
    }

    private static ConnectorConfig oneActor(Topics topics, int versions) {
        return ConnectorConfig.of(topics.runId(), ENV).withActors(1).withSeed(3)
                .withStepsPerVersion(STEPS_PER_VERSION).withMaxSteps((long) versions * STEPS_PER_VERSION);
    }

    private static byte[] value(Topics topics, ActorCritic policy, long version) {
        return SERDE.encode(snapshot(topics, ENV, policy, RewardNormalizer.disabled(), version));
    }

    private static Headers signedBy(SnapshotSigner signer, byte[] value) {
        Headers h = new RecordHeaders();
        signer.addHeaders(value, h);
        return h;
    }

    private static double refused(SimpleMeterRegistry registry, String reason) {
        return registry.get(ConnectorMetrics.POLICIES_REFUSED).tag("reason", reason).counter().count();
    }

    /** The policy versions the committed transitions were taken under, with how many steps each. */
    private static Map<Long, Long> stepsByVersion(Topics topics, long expected) {
        return readTransitions(KAFKA.bootstrapServers(), topics, expected).stream()
                .collect(Collectors.groupingBy(Transition::getPolicyVersion, TreeMap::new, Collectors.counting()));
    }

    /** {@code value} with the lowest byte of the first actor weight changed: it still decodes, as a forger wants. */
    private static byte[] tamperedWeight(byte[] value, ActorCritic policy) {
        byte[] weight = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(policy.actorParameters()[0])
                .array();
        for (int i = 0; i + 8 <= value.length; i++) {
            if (java.util.Arrays.equals(value, i, i + 8, weight, 0, 8)) {
                byte[] out = value.clone();
                out[i] ^= 1;
                return out;
            }
        }
        throw new AssertionError("the first actor weight is not in the encoded snapshot");
    }

    @Test
    void aConnectorWithThePublicKeyActsWithEachSignedVersion() throws Exception {
        Topics topics = Topics.forRun("signed-acted");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        byte[] v0 = value(topics, policyFor(ENV, new int[] {8}, 0.0, 1L), 0);
        byte[] v1 = value(topics, policyFor(ENV, new int[] {8}, 0.0, 2L), 1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        publishPolicyRecord(KAFKA.bootstrapServers(), topics, v0, signedBy(TRAINER, v0));
        try (ConnectorRuntime runtime = new ConnectorRuntime(oneActor(topics, 2), Map.of("bootstrap.servers",
                KAFKA.bootstrapServers()), registry, verifier(true))) {
            runtime.start();
            assertTrue(await(() -> runtime.stepsTaken() == STEPS_PER_VERSION), "the actor acts with signed version 0");
            publishPolicyRecord(KAFKA.bootstrapServers(), topics, v1, signedBy(TRAINER, v1));
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
            assertEquals(1, runtime.actingVersion());
        }

        assertEquals(Map.of(0L, 5L, 1L, 5L), stepsByVersion(topics, 2 * STEPS_PER_VERSION));
        for (String reason : List.of("unsigned", "bad-signature", "unknown-key")) {
            assertEquals(0.0, refused(registry, reason), reason);
        }
    }

    @Test
    void snapshotsWrittenWithoutThePrivateKeyAreRefusedAndTheActorGoesOnWithTheLastGoodVersion() throws Exception {
        Topics topics = Topics.forRun("signed-forged");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        byte[] v0 = value(topics, policyFor(ENV, new int[] {8}, 0.0, 1L), 0);
        ActorCritic next = policyFor(ENV, new int[] {8}, 0.0, 2L);
        byte[] v1 = value(topics, next, 1);
        // someone with write access to the topic but not the trainer's key: a version signed with their own key,
        // and the trainer's genuine version 1 with one weight changed under its copied signature
        byte[] forged = value(topics, policyFor(ENV, new int[] {8}, 0.0, 99L), 7);
        byte[] tampered = tamperedWeight(v1, next);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        publishPolicyRecord(KAFKA.bootstrapServers(), topics, v0, signedBy(TRAINER, v0));
        try (ConnectorRuntime runtime = new ConnectorRuntime(oneActor(topics, 2), Map.of("bootstrap.servers",
                KAFKA.bootstrapServers()), registry, verifier(false))) {
            runtime.start();
            assertTrue(await(() -> runtime.stepsTaken() == STEPS_PER_VERSION), "the actor acts with signed version 0");
            publishPolicyRecord(KAFKA.bootstrapServers(), topics, forged, signedBy(INTRUDER, forged));
            publishPolicyRecord(KAFKA.bootstrapServers(), topics, tampered, signedBy(TRAINER, v1));
            assertTrue(await(() -> refused(registry, "unknown-key") == 1 && refused(registry, "bad-signature") == 1),
                    "both forgeries are refused and counted");
            assertStepsStayAt(runtime, STEPS_PER_VERSION, "no step under a refused snapshot");
            assertEquals(0, runtime.actingVersion(), "the actor keeps the last good version");

            publishPolicyRecord(KAFKA.bootstrapServers(), topics, v1, signedBy(TRAINER, v1));
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
            assertEquals(1, runtime.actingVersion());
        }

        assertEquals(Map.of(0L, 5L, 1L, 5L), stepsByVersion(topics, 2 * STEPS_PER_VERSION));
        assertEquals(0.0, refused(registry, "unsigned"));
    }

    @Test
    void unsignedSnapshotsAreRefusedOnlyWithRequireSignedPolicies() throws Exception {
        Topics lenient = Topics.forRun("unsigned-accepted");
        Topics strict = Topics.forRun("unsigned-refused");
        createTopics(KAFKA.bootstrapServers(), lenient, 1);
        createTopics(KAFKA.bootstrapServers(), strict, 1);
        ActorCritic policy = policyFor(ENV, new int[] {8}, 0.0, 1L);
        SimpleMeterRegistry lenientMeters = new SimpleMeterRegistry();
        SimpleMeterRegistry strictMeters = new SimpleMeterRegistry();

        publishPolicyRecord(KAFKA.bootstrapServers(), lenient, value(lenient, policy, 0), new RecordHeaders());
        publishPolicyRecord(KAFKA.bootstrapServers(), strict, value(strict, policy, 0), new RecordHeaders());
        try (ConnectorRuntime accepting = new ConnectorRuntime(oneActor(lenient, 1), Map.of("bootstrap.servers",
                KAFKA.bootstrapServers()), lenientMeters, verifier(false));
             ConnectorRuntime refusing = new ConnectorRuntime(oneActor(strict, 1), Map.of("bootstrap.servers",
                KAFKA.bootstrapServers()), strictMeters, verifier(true))) {
            accepting.start();
            refusing.start();
            assertTrue(accepting.awaitTermination(60, TimeUnit.SECONDS), "without --require-signed-policies it acts");
            assertNull(accepting.failure());
            assertTrue(await(() -> refused(strictMeters, "unsigned") == 1), "with it, the snapshot is refused");
            assertStepsStayAt(refusing, 0, "no step under an unsigned snapshot");

            byte[] signed = value(strict, policy, 1);
            publishPolicyRecord(KAFKA.bootstrapServers(), strict, signed, signedBy(TRAINER, signed));
            assertTrue(refusing.awaitTermination(60, TimeUnit.SECONDS), "a signed version is acted with");
            assertNull(refusing.failure());
        }

        assertEquals(0.0, refused(lenientMeters, "unsigned"));
        assertEquals(Map.of(0L, 5L), stepsByVersion(lenient, STEPS_PER_VERSION));
        assertEquals(Map.of(1L, 5L), stepsByVersion(strict, STEPS_PER_VERSION));
    }
}
