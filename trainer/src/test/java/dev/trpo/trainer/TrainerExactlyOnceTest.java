package dev.trpo.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The trainer on a real broker, fed a fixed, recorded stream of segments: 6 versions x 4 actors x 64 one-step
 * episodes of the {@link Bandit}, played uniformly at random, on 3 partitions.
 */
class TrainerExactlyOnceTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final int VERSIONS = 6;
    private static final int ACTORS = 4;
    private static final int STEPS_PER_ACTOR = 64;
    private static final int PARTITIONS = 3;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static TrainerSettings settings(String runId) {
        Hyperparameters hp = Hyperparameters.defaults().with(Map.of(
                Hyperparameters.BATCH_STEPS, Integer.toString(ACTORS * STEPS_PER_ACTOR),
                Hyperparameters.NORMALIZE_OBSERVATIONS, "true",
                Hyperparameters.NORMALIZE_REWARDS, "true",
                Hyperparameters.CRITIC_MINIBATCH_SIZE, "64"));
        return new TrainerSettings(runId, Bandit.SPEC, hp, 7, VERSIONS, Duration.ofMillis(50));
    }

    /** The recorded stream of versions [from, to) for a run; the same numbers whatever the run id. */
    private static List<Segment> recorded(String runId, int from, int to) {
        List<Segment> out = new ArrayList<>();
        for (int v = from; v < to; v++) {
            out.addAll(Bandit.play(runId, v, null, ACTORS, STEPS_PER_ACTOR, 16, (long) v * STEPS_PER_ACTOR,
                    new SplittableRandom(1000 + v)));
        }
        return out;
    }

    private static TrainerService.Faults killAt(TrainerService.Stage stage, long version, AtomicBoolean fired) {
        return (s, v) -> {
            if (s == stage && v == version) {
                fired.set(true);
                throw new TrainerService.Kill();
            }
        };
    }

    @Test
    void killedAndRestartedTrainerReachesBitIdenticalParameters() throws Exception {
        KafkaFixture kafka = new KafkaFixture(KAFKA.bootstrapServers());
        kafka.createTopics("steady", PARTITIONS);
        kafka.createTopics("killed", PARTITIONS);
        kafka.produce("steady", recorded("steady", 0, VERSIONS), PARTITIONS, new TreeMap<>());
        Map<Integer, List<Long>> layout = kafka.produce("killed", recorded("killed", 0, VERSIONS), PARTITIONS,
                new TreeMap<>());

        PolicySnapshot reference = runToCompletion(kafka, "steady");

        List<TrainerService.Faults> kills = new ArrayList<>();
        List<AtomicBoolean> fired = new ArrayList<>();
        long[][] plan = {{1, 0}, {0, 2}, {1, 2}, {1, 5}}; // {stage, version}: BATCH_COLLECTED = 0, BEFORE_COMMIT = 1
        for (long[] k : plan) {
            AtomicBoolean f = new AtomicBoolean();
            fired.add(f);
            kills.add(killAt(TrainerService.Stage.values()[(int) k[0]], k[1], f));
        }
        for (int i = 0; i < kills.size(); i++) {
            TrainerService trainer = new TrainerService(settings("killed"), kafka.clientProps(), new SimpleMeterRegistry(),
                    kills.get(i));
            trainer.start();
            TrainerService.Status status = trainer.awaitTermination(WAIT);
            trainer.close();

            assertTrue(fired.get(i).get(), "kill " + i + " struck (status " + status + ")");
            assertOffsetsMatchNewestPolicy(kafka, "killed", layout);
        }
        PolicySnapshot resumed = runToCompletion(kafka, "killed");

        assertOffsetsMatchNewestPolicy(kafka, "killed", layout);
        assertEquals(versions(0, VERSIONS), versionsOf(kafka.history("killed")),
                "every version committed exactly once despite the kills");
        ActorCritic a = Snapshots.toActorCritic(reference);
        ActorCritic b = Snapshots.toActorCritic(resumed);
        assertArrayEquals(a.actorParameters(), b.actorParameters());
        assertArrayEquals(a.criticParameters(), b.criticParameters());
        assertArrayEquals(a.normalizer().mean(), b.normalizer().mean());
        assertArrayEquals(a.normalizer().var(), b.normalizer().var());
        assertEquals(comparable(reference), comparable(resumed), "optimiser state, counters, hyper-parameters too");
        assertEquals((long) VERSIONS * ACTORS * STEPS_PER_ACTOR, resumed.getCounters().getTotalSteps());
        assertEquals((double) VERSIONS * ACTORS * STEPS_PER_ACTOR, resumed.getRewardNormalizer().getCount(),
                "the reward statistics saw every trained step once");
    }

    @Test
    void aTrainerWaitsOutTheBrokerAndGoesOnWithEveryVersionOnce(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        KafkaFixture shared = new KafkaFixture(KAFKA.bootstrapServers());
        shared.createTopics("away-reference", PARTITIONS);
        shared.produce("away-reference", recorded("away-reference", 0, VERSIONS), PARTITIONS, new TreeMap<>());
        PolicySnapshot reference = runToCompletion(shared, "away-reference");

        dev.trpo.kafka.embedded.EmbeddedKafka first = dev.trpo.kafka.embedded.EmbeddedKafka.start(dir, 0);
        String bootstrap = first.bootstrapServers();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        java.util.concurrent.atomic.AtomicReference<dev.trpo.kafka.embedded.EmbeddedKafka> broker =
                new java.util.concurrent.atomic.AtomicReference<>(first);
        KafkaFixture kafka = new KafkaFixture(bootstrap);
        kafka.createTopics("away", PARTITIONS);
        kafka.produce("away", recorded("away", 0, VERSIONS), PARTITIONS, new TreeMap<>());
        // short client timeouts, so the test does not wait out the defaults' minute
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "max.block.ms", "4000",
                "request.timeout.ms", "2000", "delivery.timeout.ms", "6000", "default.api.timeout.ms", "4000");
        AtomicBoolean stopped = new AtomicBoolean();
        // before version 3's commit the broker goes away for 8 s: the commit times out
        TrainerService.Faults away = (stage, version) -> {
            if (stage == TrainerService.Stage.BEFORE_COMMIT && version == 2 && stopped.compareAndSet(false, true)) {
                broker.get().close();
                Thread back = new Thread(() -> {
                    try {
                        Thread.sleep(8_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    broker.set(dev.trpo.kafka.embedded.EmbeddedKafka.start(dir, port));
                });
                back.start();
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PolicySnapshot last;
        try (TrainerService trainer = new TrainerService(settings("away"), props, registry, away)) {
            trainer.start();
            assertEquals(TrainerService.Status.COMPLETED, trainer.awaitTermination(Duration.ofSeconds(120)),
                    () -> "stopped at version " + trainer.version() + ": " + trainer.failure());
            last = trainer.latestSnapshot();
        } finally {
            // the restarting thread sets the new broker; wait for it before closing
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (broker.get() == first && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        try {
            assertTrue(stopped.get(), "the broker went away");
            assertTrue(registry.get(TrainerMetrics.BROKER_RETRIES).counter().count() >= 1, "the trainer retried");
            assertEquals(versions(0, VERSIONS), versionsOf(new KafkaFixture(bootstrap).history("away")),
                    "every version committed exactly once");
            assertEquals(comparable(reference), comparable(last), "the same final policy as without the outage");
        } finally {
            broker.get().close();
        }
    }

    @Test
    void secondTrainerFencesTheFirstAndOnlyOnePublishes() throws Exception {
        KafkaFixture kafka = new KafkaFixture(KAFKA.bootstrapServers());
        String run = "contested";
        kafka.createTopics(run, PARTITIONS);
        kafka.produce(run, recorded(run, 0, 2), PARTITIONS, new TreeMap<>());
        TrainerSettings unlimited = settings(run).withMaxVersions(0);

        try (TrainerService first = new TrainerService(unlimited, kafka.clientProps(), new SimpleMeterRegistry());
             TrainerService second = new TrainerService(unlimited, kafka.clientProps(), new SimpleMeterRegistry())) {
            first.start();
            assertTrue(first.awaitVersion(2, WAIT), "the first trainer publishes versions 1 and 2");
            second.start();
            assertTrue(second.awaitVersion(2, WAIT), "the second trainer restores version 2");

            kafka.produce(run, recorded(run, 2, 3), PARTITIONS, new TreeMap<>());

            assertTrue(second.awaitVersion(3, WAIT), "the second trainer publishes version 3");
            assertEquals(TrainerService.Status.FENCED, first.awaitTermination(WAIT));
            assertEquals(TrainerService.Status.RUNNING, second.status());
        }
        assertEquals(versions(0, 3), versionsOf(kafka.history(run)), "no version was published twice");
    }

    @Test
    void invalidSegmentsAreDeadLetteredInTheTransactionOfTheirBatch() throws Exception {
        KafkaFixture kafka = new KafkaFixture(KAFKA.bootstrapServers());
        String run = "dirty";
        kafka.createTopics(run, PARTITIONS);
        kafka.produceRaw(run, 0, new byte[] {1, 2, 3});
        Segment wrongSize = recorded(run, 0, 1).get(0);
        wrongSize.getSteps().get(0).setObservation(List.of(0.1, 0.2));
        kafka.produce(run, List.of(wrongSize), PARTITIONS, new TreeMap<>());
        kafka.produce(run, recorded(run, 0, 1), PARTITIONS, new TreeMap<>());

        PolicySnapshot v1 = runToCompletion(kafka, run, settings(run).withMaxVersions(1));

        assertEquals(ACTORS * STEPS_PER_ACTOR, v1.getCounters().getTotalSteps(), "only the valid segments trained");
        List<String> reasons = kafka.readAll(Topics.forRun(run).dlq().name()).stream()
                .map(r -> new String(r.headers().lastHeader(DlqHeaders.REASON).value(), StandardCharsets.UTF_8))
                .sorted().toList();
        assertEquals(List.of("observation-size", "undecodable"), reasons);
    }

    @Test
    void asyncModeTrainsOnSamplesWithinTheLagAndDropsOlderOnes() throws Exception {
        KafkaFixture kafka = new KafkaFixture(KAFKA.bootstrapServers());
        String run = "lagging";
        kafka.createTopics(run, PARTITIONS);
        // Three batches' worth of version-0 samples, then one of version 2: at version 2 the last third of the
        // version-0 samples is two versions old, beyond the allowed lag of 1.
        List<Segment> stream = new ArrayList<>();
        for (int copy = 0; copy < 3; copy++) {
            stream.addAll(recorded(run, 0, 1));
        }
        stream.addAll(Bandit.play(run, 2, null, ACTORS, STEPS_PER_ACTOR, 16, 0, new SplittableRandom(2)));
        kafka.produce(run, stream, PARTITIONS, new TreeMap<>());
        TrainerSettings async = settings(run).withMaxVersions(3);
        async = new TrainerSettings(run, Bandit.SPEC, async.hyperparameters().with(Map.of(
                Hyperparameters.MODE, "async", Hyperparameters.MAX_POLICY_LAG, "1")), async.seed(), 3,
                async.pollTimeout());

        PolicySnapshot v3 = runToCompletion(kafka, run, async);

        assertEquals(3L * ACTORS * STEPS_PER_ACTOR, v3.getCounters().getTotalSteps());
        assertEquals((long) ACTORS * STEPS_PER_ACTOR, v3.getCounters().getStaleSamplesDropped());
    }

    @Test
    void asyncModeWithRewardNormalisationResumesBitIdenticallyAfterKills() throws Exception {
        KafkaFixture kafka = new KafkaFixture(KAFKA.bootstrapServers());
        // one partition, so the order of the samples (and so each async batch) is the same in every run; every batch
        // after the first is half samples of the version before, whose units the trainer converts
        for (String run : List.of("async-steady", "async-killed")) {
            List<Segment> stream = new ArrayList<>(recorded(run, 0, 1));
            stream.addAll(Bandit.play(run, 0, null, ACTORS, STEPS_PER_ACTOR / 2, 16, 100, new SplittableRandom(7)));
            stream.addAll(recorded(run, 1, VERSIONS - 1));
            stream.addAll(Bandit.play(run, VERSIONS - 1, null, ACTORS, STEPS_PER_ACTOR / 2, 16, 200,
                    new SplittableRandom(8)));
            kafka.createTopics(run, 1);
            kafka.produce(run, stream, 1, new TreeMap<>());
        }
        PolicySnapshot reference = runToCompletion(kafka, "async-steady", asyncSettings("async-steady"));

        long[][] plan = {{1, 1}, {0, 3}, {1, 4}}; // {stage, version}: BATCH_COLLECTED = 0, BEFORE_COMMIT = 1
        for (long[] k : plan) {
            AtomicBoolean fired = new AtomicBoolean();
            TrainerService trainer = new TrainerService(asyncSettings("async-killed"), kafka.clientProps(),
                    new SimpleMeterRegistry(), killAt(TrainerService.Stage.values()[(int) k[0]], k[1], fired));
            trainer.start();
            TrainerService.Status status = trainer.awaitTermination(WAIT);
            trainer.close();
            assertTrue(fired.get(), "kill at " + Arrays.toString(k) + " struck (status " + status + ")");
        }
        PolicySnapshot resumed = runToCompletion(kafka, "async-killed", asyncSettings("async-killed"));

        assertEquals(versions(0, VERSIONS), versionsOf(kafka.history("async-killed")));
        assertEquals(comparable(reference), comparable(resumed),
                "networks, optimiser, statistics and the kept reward scales are bit-identical");
        Map<Long, Double> scales = Snapshots.rewardScales(resumed);
        assertEquals(List.of((long) VERSIONS - 1, (long) VERSIONS), List.copyOf(scales.keySet()));
        assertEquals(Snapshots.rewardNormalizer(resumed).scale(), scales.get((long) VERSIONS), 0.0);
        assertNotEquals(scales.get((long) VERSIONS - 1), scales.get((long) VERSIONS),
                "the scale moved, so the older half of the last batch was converted");
        assertEquals(0, resumed.getCounters().getStaleSamplesDropped());
    }

    private static TrainerSettings asyncSettings(String run) {
        TrainerSettings base = settings(run);
        return new TrainerSettings(run, Bandit.SPEC, base.hyperparameters().with(Map.of(
                Hyperparameters.MODE, "async", Hyperparameters.MAX_POLICY_LAG, "1")), base.seed(), VERSIONS,
                base.pollTimeout());
    }

    private static PolicySnapshot runToCompletion(KafkaFixture kafka, String run) throws InterruptedException {
        return runToCompletion(kafka, run, settings(run));
    }

    private static PolicySnapshot runToCompletion(KafkaFixture kafka, String run, TrainerSettings settings)
            throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TrainerService trainer = new TrainerService(settings, kafka.clientProps(), registry)) {
            trainer.start();
            assertEquals(TrainerService.Status.COMPLETED, trainer.awaitTermination(WAIT), () -> "run " + run
                    + " stopped at version " + trainer.version() + ": " + trainer.failure());
            PolicySnapshot last = trainer.latestSnapshot();
            // the gauge shows the scale the newest version's actors use
            assertEquals(Snapshots.rewardNormalizer(last).scale(),
                    registry.get(TrainerMetrics.REWARD_SCALE).gauge().value(), 0.0);
            return last;
        }
    }

    /**
     * The committed offsets are exactly the samples of the versions before the newest committed policy: each
     * partition's offset is the number of its records labelled with an older version (records are in version order).
     * Commit markers reach the offsets and history partitions independently, so the two views are compared until
     * they agree or a deadline passes.
     */
    private static void assertOffsetsMatchNewestPolicy(KafkaFixture kafka, String run, Map<Integer, List<Long>> layout)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            List<PolicySnapshot> history = kafka.history(run);
            long newest = history.isEmpty() ? -1 : history.get(history.size() - 1).getVersion();
            Map<Integer, Long> expected = new TreeMap<>();
            layout.forEach((partition, versions) -> {
                long n = versions.stream().filter(v -> v < newest).count();
                if (n > 0) {
                    expected.put(partition, n);
                }
            });
            Map<Integer, Long> committed = kafka.committedOffsets(run);
            if (expected.equals(committed) || System.nanoTime() > deadline) {
                assertEquals(expected, committed, "committed offsets of version " + newest);
                return;
            }
        }
    }

    private static List<Long> versions(long from, long toInclusive) {
        List<Long> out = new ArrayList<>();
        for (long v = from; v <= toInclusive; v++) {
            out.add(v);
        }
        return out;
    }

    private static List<Long> versionsOf(List<PolicySnapshot> snapshots) {
        return snapshots.stream().map(PolicySnapshot::getVersion).toList();
    }

    private static PolicySnapshot comparable(PolicySnapshot s) {
        Map<String, String> hp = new HashMap<>();
        s.getHyperParameters().forEach((k, v) -> hp.put(k.toString(), v.toString()));
        return PolicySnapshot.newBuilder(s).setRunId("-").setCreatedAtMs(0).setHyperParameters(hp).build();
    }
}
