package dev.trpo.connectors.runtime;

import static dev.trpo.connectors.runtime.RuntimeFixtures.assertStepsStayAt;
import static dev.trpo.connectors.runtime.RuntimeFixtures.await;
import static dev.trpo.connectors.runtime.RuntimeFixtures.createTopics;
import static dev.trpo.connectors.runtime.RuntimeFixtures.policyFor;
import static dev.trpo.connectors.runtime.RuntimeFixtures.publishPolicy;
import static dev.trpo.connectors.runtime.RuntimeFixtures.readTransitions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.ActorCheckpoint;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connector started again under the same actor ids resumes from the checkpoints its predecessor committed. These
 * restarts follow a clean stop (max-steps, mid-version); {@code ConnectorKillTest} in the app module kills the
 * process instead.
 */
class ConnectorResumeTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final int ACTORS = 3;
    static final int STEPS = 50;

    static Map<String, Object> kafkaProps() {
        return Map.of("bootstrap.servers", KAFKA.bootstrapServers());
    }

    static ActorCritic version(long v) {
        return policyFor("CartPole-v1", new int[] {8}, 0, 100 + v);
    }

    static ConnectorConfig config(Topics topics) {
        return ConnectorConfig.of(topics.runId(), "CartPole-v1").withActors(ACTORS).withSeed(5)
                .withStepsPerVersion(STEPS);
    }

    @Test
    void aConnectorStoppedMidVersionAndStartedAgainPublishesTheStepsAnUninterruptedOneWould() throws Exception {
        Topics straight = Topics.forRun("resume-straight");
        createTopics(KAFKA.bootstrapServers(), straight, 2);
        try (ConnectorRuntime runtime = new ConnectorRuntime(config(straight), kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            for (long v = 0; v < 3; v++) {
                publishPolicy(KAFKA.bootstrapServers(), straight, "CartPole-v1", version(v), v);
                long target = (v + 1) * ACTORS * STEPS;
                assertTrue(await(() -> runtime.stepsTaken() >= target), "version " + v);
                assertStepsStayAt(runtime, target, "steps beyond version " + v);
            }
        }

        Topics restarted = Topics.forRun("resume-restarted");
        createTopics(KAFKA.bootstrapServers(), restarted, 2);
        publishPolicy(KAFKA.bootstrapServers(), restarted, "CartPole-v1", version(0), 0);
        // 1st connector: 30 of version 0's 50 steps, then stops (CartPole episodes of a random policy end within
        // ~20 steps, so the stops fall mid-episode and between episodes)
        try (ConnectorRuntime first = new ConnectorRuntime(config(restarted).withMaxSteps(30), kafkaProps(),
                new SimpleMeterRegistry())) {
            first.start();
            assertTrue(first.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(first.failure());
        }
        // 2nd: the other 20 of version 0, waits, then 25 of version 1
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        try (ConnectorRuntime runtime = new ConnectorRuntime(config(restarted).withMaxSteps(45), kafkaProps(), second)) {
            runtime.start();
            assertTrue(await(() -> runtime.stepsTaken() >= ACTORS * 20L), "the rest of version 0");
            assertStepsStayAt(runtime, ACTORS * 20L, "steps beyond version 0");
            assertEquals(0L, runtime.actingVersion(), "it resumed under version 0, not the first version it read");
            publishPolicy(KAFKA.bootstrapServers(), restarted, "CartPole-v1", version(1), 1);
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        assertEquals((double) ACTORS, second.get(ConnectorMetrics.RESUMED).tag("how", "exact").counter().count());
        // 3rd: the other 25 of version 1, waits, all 50 of version 2
        try (ConnectorRuntime runtime = new ConnectorRuntime(config(restarted), kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            assertTrue(await(() -> runtime.stepsTaken() >= ACTORS * 25L), "the rest of version 1");
            assertStepsStayAt(runtime, ACTORS * 25L, "steps beyond version 1");
            publishPolicy(KAFKA.bootstrapServers(), restarted, "CartPole-v1", version(2), 2);
            assertTrue(await(() -> runtime.stepsTaken() >= ACTORS * 75L), "version 2");
        }

        Map<String, List<Transition>> expected = byActor(readTransitions(KAFKA.bootstrapServers(), straight, 3L * ACTORS * STEPS));
        Map<String, List<Transition>> actual = byActor(readTransitions(KAFKA.bootstrapServers(), restarted, 3L * ACTORS * STEPS));
        assertEquals(expected.keySet(), actual.keySet());
        for (String actor : expected.keySet()) {
            assertEquals(3 * STEPS, expected.get(actor).size());
            assertSameSteps(actor, expected.get(actor), actual.get(actor));
            assertTrue(expected.get(actor).stream().filter(Transition::getTerminated).count() >= 3,
                    actor + " finished episodes, so the restarts were tested across resets");
        }

        Map<String, ActorCheckpoint> checkpoints = readCheckpoints(restarted);
        assertEquals(ACTORS, checkpoints.size());
        for (ActorCheckpoint c : checkpoints.values()) {
            assertEquals(2L, c.getPolicyVersion());
            assertEquals(STEPS, c.getStepsInVersion());
            assertTrue(c.getVersionClosed());
            Transition last = actual.get(c.getActorId()).get(3 * STEPS - 1);
            boolean ended = last.getTerminated() || last.getTruncated();
            assertEquals(ended ? last.getEpisode() + 1 : last.getEpisode(), c.getEpisode());
            assertEquals(ended ? 0 : last.getStep() + 1, c.getStep());
        }
    }

    @Test
    void anActorWhoseEnvironmentIsAProcessStartsANewEpisode() throws Exception {
        String env = dev.trpo.connectors.env.ProcessEnvironment.PREFIX + "python3 "
                + Path.of("src/test/resources/process-env/reaches.py").toAbsolutePath() + " "
                + Path.of("python").toAbsolutePath();
        Topics topics = Topics.forRun("resume-process");
        createTopics(KAFKA.bootstrapServers(), topics, 1);
        // action 0 never reaches 3 and episodes last 6 steps: the first episode is open when the first connector stops
        publishPolicy(KAFKA.bootstrapServers(), topics, env, dev.trpo.connectors.eval.FixedActionPolicy.always(0, 30), 0);
        ConnectorConfig config = new ConnectorConfig(topics.runId(), env, 2, 3, 10, ConnectorMode.SYNC, "actor", 2, 0);
        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), new SimpleMeterRegistry())) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ConnectorRuntime runtime = new ConnectorRuntime(config, kafkaProps(), registry)) {
            runtime.start();
            assertTrue(runtime.awaitTermination(60, TimeUnit.SECONDS));
            assertNull(runtime.failure());
        }
        assertEquals(2.0, registry.get(ConnectorMetrics.RESUMED).tag("how", "new-episode").counter().count());
        for (List<Transition> steps : byActor(readTransitions(KAFKA.bootstrapServers(), topics, 8)).values()) {
            assertEquals(4, steps.size());
            assertEquals(List.of("0/0", "0/1", "1/0", "1/1"),
                    steps.stream().map(t -> t.getEpisode() + "/" + t.getStep()).toList(),
                    "the restarted actor numbers its new episode after the open one");
            assertEquals(0L, steps.stream().filter(t -> t.getTerminated() || t.getTruncated()).count());
        }
    }

    /** The two step lists are equal; the first difference is named, not both lists printed. */
    static void assertSameSteps(String actor, List<Transition> expected, List<Transition> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertEquals(expected.get(i), actual.get(i), actor + ": the restarts changed its step " + i);
        }
        assertEquals(expected.size(), actual.size(), actor + ": steps");
    }

    /** Each actor's steps in publication order, run id and timestamp blanked (they differ between runs). */
    static Map<String, List<Transition>> byActor(List<Transition> records) {
        Map<String, List<Transition>> out = new TreeMap<>();
        for (Transition t : records) {
            Transition copy = Transition.newBuilder(t).setRunId("-").setTimestampMs(0).build();
            out.computeIfAbsent(t.getActorId(), k -> new ArrayList<>()).add(copy);
        }
        return out;
    }

    static Map<String, ActorCheckpoint> readCheckpoints(Topics topics) {
        Map<String, ActorCheckpoint> out = new HashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < ACTORS; i++) {
            keys.add("actor-" + i);
        }
        TopicReader.readToEnd(topics.checkpoints().name(), keys, kafkaProps(), "test-checkpoints",
                (k, v) -> out.put(k, topics.checkpoints().valueSerde().deserializer().deserialize(topics.checkpoints().name(), v)),
                () -> true);
        return out;
    }

    @Test
    void aWaitingConnectorWhoseLastCommitCannotBeReadTakesItsStepsAgain() throws Exception {
        Topics topics = Topics.forRun("resume-vanished");
        createTopics(KAFKA.bootstrapServers(), topics, 2);
        publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", version(0), 0);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ConnectorRuntime runtime = new ConnectorRuntime(config(topics), kafkaProps(), registry)) {
            runtime.start();
            assertTrue(await(() -> runtime.stepsTaken() >= ACTORS * STEPS), "version 0's steps");
            // what an aborted hanging transaction leaves: the checkpoints of the last commit are not there to read
            // (here: tombstones on the compacted topic, which hide them the same way)
            try (var p = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(kafkaProps(),
                    new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (int i = 0; i < ACTORS; i++) {
                    p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.checkpoints().name(),
                            config(topics).actorId(i), null)).get(30, TimeUnit.SECONDS);
                }
            }

            assertTrue(await(() -> runtime.stepsTaken() >= 2L * ACTORS * STEPS), "the steps taken again within the check");
            assertEquals(1.0, registry.get(ConnectorMetrics.COMMITS_NOT_VISIBLE).counter().count());
        }
        // the actors had no checkpoint to read: they started over, as from a first start, with the same steps
        List<Transition> all = readTransitions(KAFKA.bootstrapServers(), topics, 2L * ACTORS * STEPS);
        Map<String, List<String>> byActor = new TreeMap<>();
        for (Transition t : all) {
            byActor.computeIfAbsent(t.getActorId(), a -> new ArrayList<>()).add(t.getEpisode() + "/" + t.getStep()
                    + "/" + t.getDiscreteAction() + "/" + t.getObservation());
        }
        assertEquals(ACTORS, byActor.size());
        byActor.forEach((actor, steps) -> {
            assertEquals(2 * STEPS, steps.size(), actor);
            assertEquals(steps.subList(0, STEPS), steps.subList(STEPS, 2 * STEPS), actor + " took its steps again");
        });
    }

    @Test
    void aSecondLiveConnectorUnderTheSameIdsFencesTheFirstWhichStopsSayingSo() throws Exception {
        Topics topics = Topics.forRun("resume-fenced");
        createTopics(KAFKA.bootstrapServers(), topics, 2);
        publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", version(0), 0);
        SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
        try (ConnectorRuntime first = new ConnectorRuntime(config(topics), kafkaProps(), new SimpleMeterRegistry());
             ConnectorRuntime second = new ConnectorRuntime(config(topics), kafkaProps(), secondMeters)) {
            first.start();
            assertTrue(await(() -> first.stepsTaken() >= ACTORS * STEPS), "the first's version 0");
            second.start(); // same prefix, same first actor: same transactional id
            // the second has fenced the first (initTransactions) once it has read the checkpoints
            assertTrue(await(() -> secondMeters.find(ConnectorMetrics.RESUMED).counters().stream()
                    .mapToDouble(c -> c.count()).sum() >= ACTORS), "the second resumed the actors");
            publishPolicy(KAFKA.bootstrapServers(), topics, "CartPole-v1", version(1), 1);
            assertTrue(first.awaitTermination(60, TimeUnit.SECONDS), "the fenced one stops");
            assertTrue(first.failure() != null && first.failure().getMessage().contains("took over run resume-fenced"),
                    String.valueOf(first.failure()));
            assertTrue(await(() -> second.stepsTaken() >= ACTORS * STEPS), "the second goes on with version 1");
            assertTrue(second.isRunning());
        }
    }
}
