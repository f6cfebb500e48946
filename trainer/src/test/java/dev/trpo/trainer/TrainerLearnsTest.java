package dev.trpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.policy.ActorCritic;
import dev.trpo.schemas.Snapshots;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The trainer in the loop with actors (played by the test) on the {@link Bandit}: the policy gets better. */
class TrainerLearnsTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final int VERSIONS = 15;
    private static final int ACTORS = 4;
    private static final int STEPS_PER_ACTOR = 64;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The paper's convention accepts a step with mean KL(old || new) <= delta; allow rounding in the last digits. */
    private static final double KL_TOLERANCE = 1e-9;

    @Test
    void trainerImprovesAPolicyOnABandit() throws Exception {
        KafkaFixture kafka = new KafkaFixture(KAFKA.bootstrapServers());
        String run = "bandit";
        kafka.createTopics(run, 2);
        Hyperparameters hp = Hyperparameters.defaults().with(Map.of(
                Hyperparameters.BATCH_STEPS, Integer.toString(ACTORS * STEPS_PER_ACTOR),
                Hyperparameters.CRITIC_MINIBATCH_SIZE, "64",
                Hyperparameters.KL_CONVENTION, "paper"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SplittableRandom actorRng = new SplittableRandom(3);
        double initial;
        double last;

        try (TrainerService trainer = new TrainerService(
                new TrainerSettings(run, Bandit.SPEC, hp, 11, VERSIONS, Duration.ofMillis(50)), kafka.clientProps(),
                registry)) {
            trainer.start();
            assertTrue(trainer.awaitVersion(0, WAIT), "version 0 is published");
            initial = Bandit.expectedReward(Snapshots.toActorCritic(trainer.latestSnapshot()));
            for (int v = 0; v < VERSIONS; v++) {
                assertTrue(trainer.awaitVersion(v, WAIT), "version " + v + " is published");
                ActorCritic policy = Snapshots.toActorCritic(trainer.latestSnapshot());
                kafka.produce(run, Bandit.play(run, v, policy, ACTORS, STEPS_PER_ACTOR, 16, (long) v * STEPS_PER_ACTOR,
                        actorRng), 2, new TreeMap<>());
            }
            assertEquals(TrainerService.Status.COMPLETED, trainer.awaitTermination(WAIT));
            last = Bandit.expectedReward(Snapshots.toActorCritic(trainer.latestSnapshot()));
        }

        assertTrue(initial > 0.45 && initial < 0.55, "version 0 is close to uniform: " + initial);
        assertTrue(last > 0.75, "after " + VERSIONS + " updates the rewarded action is likely: " + last);
        assertEquals(VERSIONS, registry.get(TrainerMetrics.POLICY_VERSION).gauge().value());
        assertEquals((double) VERSIONS * ACTORS * STEPS_PER_ACTOR, registry.get(TrainerMetrics.SAMPLES).counter().count());
        assertEquals(0.0, registry.get(TrainerMetrics.STALE_SAMPLES_DROPPED).counter().count());
        assertTrue(registry.get(TrainerMetrics.KL).gauge().value() <= hp.maxKl() + KL_TOLERANCE);
        assertEquals(VERSIONS, registry.get(TrainerMetrics.UPDATE_DURATION).timer().count());
    }
}
