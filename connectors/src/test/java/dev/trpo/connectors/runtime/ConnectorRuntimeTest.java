package dev.trpo.connectors.runtime;

import static dev.trpo.connectors.runtime.RuntimeFixtures.assertStepsStayAt;
import static dev.trpo.connectors.runtime.RuntimeFixtures.await;
import static dev.trpo.connectors.runtime.RuntimeFixtures.createTopics;
import static dev.trpo.connectors.runtime.RuntimeFixtures.policyFor;
import static dev.trpo.connectors.runtime.RuntimeFixtures.publishPolicy;
import static dev.trpo.connectors.runtime.RuntimeFixtures.readTransitions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The connector against a real broker. */
class ConnectorRuntimeTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    /** V(obs) recomputed here must equal the recorded one: same network, same doubles, same order. */
    static final double VALUE_TOLERANCE = 1e-12;

    static Map<String, Object> kafkaProps() {
        return Map.of("bootstrap.servers", KAFKA.bootstrapServers());
    }

    /** CartPole whose every step takes at least 2 ms, as a slow simulator's would. */
    static final class SlowCartPole implements dev.trpo.connectors.env.Environment {
        static final String ID = "SlowCartPole-v0";
        private final dev.trpo.connectors.env.CartPole inner = new dev.trpo.connectors.env.CartPole();

        @Override public String id() { return ID; }
        @Override public int observationSize() { return inner.observationSize(); }
        @Override public dev.trpo.policy.ActionSpace actionSpace() { return inner.actionSpace(); }
        @Override public int maxEpisodeSteps() { return inner.maxEpisodeSteps(); }
        @Override public int stateSize() { return inner.stateSize(); }
        @Override public void reset(java.util.random.RandomGenerator rng, double[] obsOut) { inner.reset(rng, obsOut); }
        @Override public void state(double[] stateOut) { inner.state(stateOut); }
        @Override public void setState(double[] state, double[] obsOut) { inner.setState(state, obsOut); }

        @Override
        public void step(double[] actions, int offset, dev.trpo.connectors.env.StepResult out) {
            long until = System.nanoTime() + 2_000_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            inner.step(actions, offset, out);
        }
    }

    @Test
    void theTimeSpentInsideTheEnvironmentsIsCounted() throws Exception {
        dev.trpo.connectors.env.Environments.register(SlowCartPole.ID, SlowCartPole::new);
        Topics topics = Topics.forRun("env-seconds");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        publishPolicy(KAFKA.bootstrapServers(), topics, SlowCartPole.ID, policyFor("CartPole-v1", new int[] {8}, 0.0, 1L), 0);
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), SlowCartPole.ID).withActors(2).withSeed(3)
                .withStepsPerVersion(25).withMaxSteps(25);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        long start = System.nanoTime();
        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), registry)) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double inside = registry.get(ConnectorMetrics.ENV_SECONDS).functionCounter().count();
        assertEquals(50.0, registry.get(ConnectorMetrics.TRANSITIONS).counter().count());
        assertTrue(inside >= 50 * 0.002 && inside < wall, "50 steps of >= 2 ms: " + inside + " s, wall " + wall + " s");
    }

    @Test
    void environmentsInChildProcessesStartStepAndResetAllAtOnce(@org.junit.jupiter.api.io.TempDir java.nio.file.Path barrier)
            throws Exception {
        // barrier.py writes its spec only once all 4 processes have started, and answers its k-th step (or reset) only
        // once all 4 have received their k-th: a connector that waited for each process before starting or asking
        // the next would stall at the first
        String env = dev.trpo.connectors.env.ProcessEnvironment.PREFIX + "python3 "
                + java.nio.file.Path.of("src/test/resources/process-env/barrier.py").toAbsolutePath() + " "
                + java.nio.file.Path.of("python").toAbsolutePath() + " " + barrier + " 4";
        Topics topics = Topics.forRun("barrier");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        publishPolicy(KAFKA.bootstrapServers(), topics, env, policyFor("CartPole-v1", new int[] {8}, 0.0, 1L), 0);
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), env).withActors(4).withSeed(3)
                .withStepsPerVersion(7).withMaxSteps(7);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), registry)) {
            runtime.start();
            assertTrue(runtime.awaitTermination(120, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }

        List<Transition> records = readTransitions(KAFKA.bootstrapServers(), topics, 28);
        assertEquals(28, records.size());
        assertEquals(8L, records.stream().filter(Transition::getTerminated).count(), "episodes end at steps 3 and 6");
        // a start, 7 steps and 3 resets (the first and after steps 3 and 6) by each of the 4 processes
        try (var marks = java.nio.file.Files.list(barrier)) {
            assertEquals(44L, marks.count());
        }
    }

    @Test
    void eachActorsProcessIsToldTheActorsId(@org.junit.jupiter.api.io.TempDir java.nio.file.Path told) throws Exception {
        String env = dev.trpo.connectors.env.ProcessEnvironment.PREFIX + "python3 "
                + java.nio.file.Path.of("src/test/resources/process-env/whoami.py").toAbsolutePath() + " "
                + java.nio.file.Path.of("python").toAbsolutePath() + " " + told;
        Topics topics = Topics.forRun("whoami");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        publishPolicy(KAFKA.bootstrapServers(), topics, env, ActorCritic.create(1, new dev.trpo.policy.ActionSpace.Discrete(2),
                new int[] {8}, dev.trpo.policy.Activation.TANH, 0.0, false, 1L), 0);
        ConnectorConfig config = new ConnectorConfig(topics.runId(), env, 2, 3, 3, ConnectorMode.SYNC, "robot-cell-7",
                3, 0);
        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        try (var files = java.nio.file.Files.list(told)) {
            assertEquals(List.of("robot-cell-7-0", "robot-cell-7-1"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertEquals("1", java.nio.file.Files.readString(told.resolve("robot-cell-7-1")));
    }

    @Test
    void episodesTheEnvironmentJudgesAreCountedBySuccessOrFailure() throws Exception {
        String env = dev.trpo.connectors.env.ProcessEnvironment.PREFIX + "python3 "
                + java.nio.file.Path.of("src/test/resources/process-env/reaches.py").toAbsolutePath() + " "
                + java.nio.file.Path.of("python").toAbsolutePath();
        Topics topics = Topics.forRun("reaches");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        // a large bias on action 1: every sampled step goes right, so every episode reaches 3
        ActorCritic right = dev.trpo.connectors.eval.FixedActionPolicy.always(1, 30);
        publishPolicy(KAFKA.bootstrapServers(), topics, env, right, 0);
        ConnectorConfig config = new ConnectorConfig(topics.runId(), env, 2, 3, 9, ConnectorMode.SYNC, "actor", 9, 0);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), registry)) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        assertEquals(6.0, registry.get(ConnectorMetrics.EPISODE_OUTCOMES).tag("outcome", "success").counter().count());
        assertEquals(0.0, registry.get(ConnectorMetrics.EPISODE_OUTCOMES).tag("outcome", "failure").counter().count());
        assertEquals(6.0, registry.get(ConnectorMetrics.EPISODES).counter().count());
    }

    @Test
    void publishesActorsTimesStepsWellFormedTransitionsForAGivenPolicy() throws Exception {
        Topics topics = Topics.forRun("well-formed");
        createTopics(KAFKA.bootstrapServers(), topics, 3);
        ActorCritic policy = policyFor("CartPole-v1", new int[] {16, 16}, 0.0, 1L);
        publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", policy, 0);
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), "CartPole-v1").withActors(4).withSeed(7)
                .withStepsPerVersion(60).withMaxSteps(60);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), registry)) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        List<Transition> records = readTransitions(KAFKA.bootstrapServers(), topics, 240);

        assertEquals(240, records.size());
        assertEquals(240.0, registry.get(ConnectorMetrics.TRANSITIONS).counter().count());
        Map<String, List<Transition>> byActor = records.stream().collect(Collectors.groupingBy(Transition::getActorId));
        assertEquals(4, byActor.size());
        var ws = policy.workspace(1);
        double[] v = new double[1];
        for (List<Transition> steps : byActor.values()) {
            steps.sort(Comparator.comparingLong(Transition::getTimestampMs)); // per-key order is kept anyway
            assertEquals(60, steps.size());
            long episode = 0;
            int stepIndex = 0;
            for (int t = 0; t < steps.size(); t++) {
                Transition s = steps.get(t);
                assertEquals("well-formed", s.getRunId());
                assertEquals("CartPole-v1", s.getEnvId());
                assertEquals(episode, s.getEpisode());
                assertEquals(stepIndex, s.getStep());
                assertEquals(4, s.getObservation().size());
                assertNull(s.getContinuousAction());
                assertTrue(s.getDiscreteAction() == 0 || s.getDiscreteAction() == 1);
                assertEquals(1.0, s.getReward());
                assertTrue(s.getBehaviourLogProb() < 0 && s.getBehaviourLogProb() > Math.log(1e-6));
                assertEquals(0L, s.getPolicyVersion());
                double[] obs = s.getObservation().stream().mapToDouble(Double::doubleValue).toArray();
                policy.values(obs, 1, v, ws);
                assertEquals(v[0], s.getValue(), VALUE_TOLERANCE);
                boolean last = t == steps.size() - 1;
                assertEquals(last, s.getLastOfVersion());
                assertEquals(last || s.getTruncated(), s.getBootstrapValue() != null);
                if (s.getTerminated() || s.getTruncated()) {
                    episode++;
                    stepIndex = 0;
                } else {
                    stepIndex++;
                }
            }
        }
    }

    @Test
    void picksUpANewlyPublishedVersionAndClosesTheOldOneWithABootstrap() throws Exception {
        Topics topics = Topics.forRun("new-version");
        createTopics(KAFKA.bootstrapServers(), topics, 2);
        publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", policyFor("CartPole-v1", new int[] {8}, 0, 1L), 0);
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), "CartPole-v1").withActors(2)
                .withMode(ConnectorMode.ASYNC);
        long sent;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), registry)) {
            runtime.start();
            assertTrue(await(() -> runtime.stepsTaken() > 100), "steps under version 0");
            publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", policyFor("CartPole-v1", new int[] {8}, 0, 2L), 1);
            assertTrue(await(() -> runtime.actingVersion() == 1), "switched to version 1");
            assertTrue(await(() -> runtime.stepsTaken() > 1000));
            runtime.close();
            sent = runtime.stepsTaken();
            // a send the broker refused would explain a shortfall below: say so first, with the producer's reason
            assertNull(runtime.failure(), () -> "connector failure: " + runtime.failure());
        }
        assertEquals(0.0, registry.get(ConnectorMetrics.SEND_ERRORS).counter().count(), "send errors");
        assertEquals((double) sent, registry.get(ConnectorMetrics.TRANSITIONS).counter().count(),
                "every step taken was acknowledged by the broker before close returned");
        List<Transition> records = readTransitions(KAFKA.bootstrapServers(), topics, sent);

        assertEquals(sent, records.size(), () -> "close flushed every step taken; in the log: "
                + RuntimeFixtures.endOffsets(KAFKA.bootstrapServers(), topics));
        for (String actor : List.of("actor-0", "actor-1")) {
            List<Transition> steps = records.stream().filter(r -> r.getActorId().equals(actor)).toList();
            int firstOfV1 = -1;
            for (int t = 0; t < steps.size(); t++) {
                if (steps.get(t).getPolicyVersion() == 1) {
                    firstOfV1 = t;
                    break;
                }
            }
            assertTrue(firstOfV1 > 0, actor + " acted with version 1");
            Transition lastOfV0 = steps.get(firstOfV1 - 1);
            assertEquals(0L, lastOfV0.getPolicyVersion());
            assertTrue(lastOfV0.getLastOfVersion());
            assertNotNull(lastOfV0.getBootstrapValue());
            assertTrue(steps.subList(firstOfV1, steps.size()).stream().allMatch(s -> s.getPolicyVersion() == 1));
        }
    }

    @Test
    void aRewardNormalisingVersionStampsEveryStepWithItsLearningReward() throws Exception {
        Topics topics = Topics.forRun("learning-reward");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        // variance 15.99999999 + 1e-8 = 16: scale 1/4; MountainCarContinuous's action cost makes the rewards vary
        RewardNormalizer rewards = RewardNormalizer.of(0.99, 10, -3, 16 - 1e-8, 500);
        publishPolicy(KAFKA.bootstrapServers(), topics, "MountainCarContinuous-v0",
                policyFor("MountainCarContinuous-v0", new int[] {8}, 1.0, 5L), rewards, 0);
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), "MountainCarContinuous-v0").withActors(2)
                .withStepsPerVersion(40).withMaxSteps(40);

        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        List<Transition> records = readTransitions(KAFKA.bootstrapServers(), topics, 80);

        assertEquals(80, records.size());
        for (Transition t : records) {
            assertNotNull(t.getLearningReward());
            assertEquals(t.getReward() / 4, t.getLearningReward(), 1e-15);
        }
        // and a version without reward normalisation sends none
        Topics plain = Topics.forRun("plain-reward");
        createTopics(KAFKA.bootstrapServers(), plain, 1);
        publishPolicy(KAFKA.bootstrapServers(), plain, "CartPole-v1", policyFor("CartPole-v1", new int[] {8}, 0, 1L), 0);
        try (ConnectorRuntime runtime = new ConnectorRuntime(ConnectorConfig.of(plain.runId(), "CartPole-v1")
                .withActors(1).withStepsPerVersion(5).withMaxSteps(5), kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertTrue(readTransitions(KAFKA.bootstrapServers(), plain, 5).stream().allMatch(t -> t.getLearningReward() == null));
    }

    @Test
    void asyncActorsWaitAtTheirStepLimitUnderOneVersionAndCloseItWithABootstrap() throws Exception {
        Topics topics = Topics.forRun("async-limit");
        createTopics(KAFKA.bootstrapServers(), topics, 2);
        int actors = 2;
        int limit = 40;
        publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", policyFor("CartPole-v1", new int[] {8}, 0, 1L), 0);
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), "CartPole-v1").withActors(actors)
                .withMode(ConnectorMode.ASYNC).withStepsPerVersion(10).withAsyncMaxStepsPerVersion(limit);

        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            assertTrue(await(() -> runtime.stepsTaken() >= (long) actors * limit), "steps under version 0");
            assertStepsStayAt(runtime, (long) actors * limit, "steps beyond the limit under version 0");
            publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", policyFor("CartPole-v1", new int[] {8}, 0, 2L), 1);
            assertTrue(await(() -> runtime.stepsTaken() >= 2L * actors * limit), "steps under version 1");
        }
        List<Transition> records = readTransitions(KAFKA.bootstrapServers(), topics, 2L * actors * limit);

        for (String actor : List.of("actor-0", "actor-1")) {
            List<Transition> steps = records.stream().filter(r -> r.getActorId().equals(actor)).toList();
            List<Transition> v0 = steps.stream().filter(t -> t.getPolicyVersion() == 0).toList();
            assertEquals(limit, v0.size(), actor + " steps under version 0");
            Transition last = v0.get(limit - 1);
            assertTrue(last.getLastOfVersion(), "the step at the limit closes the version");
            assertNotNull(last.getBootstrapValue());
            assertEquals(1, v0.stream().filter(Transition::getLastOfVersion).count());
            assertEquals(1L, steps.get(limit).getPolicyVersion(), "the next step acts with version 1");
        }
    }

    @Test
    void inSyncModeNoActorExceedsStepsPerVersionUnderOneVersion() throws Exception {
        Topics topics = Topics.forRun("sync-mode");
        createTopics(KAFKA.bootstrapServers(), topics, 4);
        int actors = 3;
        int stepsPerVersion = 25;
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), "CartPole-v1").withActors(actors)
                .withStepsPerVersion(stepsPerVersion);

        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            for (long version = 0; version < 3; version++) {
                publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1",
                        policyFor("CartPole-v1", new int[] {8}, 0, version), version);
                long target = (version + 1) * actors * stepsPerVersion;
                assertTrue(await(() -> runtime.stepsTaken() >= target), "version " + version + " steps");
                // the actors now wait: give them time to (wrongly) step on, then check they did not
                assertStepsStayAt(runtime, target, "steps while waiting for version " + (version + 1));
            }
        }
        List<Transition> records = readTransitions(KAFKA.bootstrapServers(), topics, 3L * actors * stepsPerVersion);

        Map<String, Long> perActorAndVersion = new HashMap<>();
        for (Transition t : records) {
            perActorAndVersion.merge(t.getActorId() + "@" + t.getPolicyVersion(), 1L, Long::sum);
        }
        assertEquals(3 * actors, perActorAndVersion.size(), perActorAndVersion.toString());
        perActorAndVersion.forEach((k, n) -> assertEquals(stepsPerVersion, n, k));
        assertEquals(3 * actors, records.stream().filter(Transition::getLastOfVersion).count());
    }

    @Test
    void aContinuousActionIsRecordedUnclippedWhileTheEnvironmentGetsItClipped() throws Exception {
        Topics topics = Topics.forRun("continuous");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        // log-std 1 makes |a| > 1 common, so clipping matters
        publishPolicy(KAFKA.bootstrapServers(), topics, "MountainCarContinuous-v0",
                policyFor("MountainCarContinuous-v0", new int[] {8}, 1.0, 3L), 0);
        ConnectorConfig config = ConnectorConfig.of(topics.runId(), "MountainCarContinuous-v0").withActors(2)
                .withStepsPerVersion(100).withMaxSteps(100);

        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
        }
        List<Transition> records = readTransitions(KAFKA.bootstrapServers(), topics, 200);

        assertEquals(200, records.size());
        long outside = 0;
        for (Transition t : records) {
            assertNull(t.getDiscreteAction());
            double a = t.getContinuousAction().get(0);
            outside += Math.abs(a) > 1 ? 1 : 0;
            if (!t.getTerminated()) {
                // MountainCarContinuous charges 0.1 a^2 on the action it receives: the clipped one
                double clipped = Math.max(-1, Math.min(1, a));
                assertEquals(-0.1 * clipped * clipped, t.getReward(), 1e-12);
            }
        }
        assertTrue(outside > 20, "unclipped samples recorded: " + outside);
    }
}
