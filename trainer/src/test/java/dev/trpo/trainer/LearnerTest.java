package dev.trpo.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.Activation;
import dev.trpo.policy.AdamState;
import dev.trpo.policy.Batch;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.policy.Workspace;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentEnd;
import dev.trpo.schemas.SegmentStep;

class LearnerTest {

    private static SegmentStep step(long episode, int step, double reward, boolean end) {
        return SegmentStep.newBuilder().setEpisode(episode).setStep(step).setObservation(List.of(0.1 * step))
                .setDiscreteAction(0).setContinuousAction(null).setReward(reward).setTerminated(end).setTruncated(false)
                .setBehaviourLogProb(Math.log(0.5)).setValue(0).setAdvantage(reward).setValueTarget(reward).build();
    }

    private static Segment segment(String actor, List<SegmentStep> steps) {
        return new Segment("r", "Bandit-v0", actor, 0L, SegmentEnd.LENGTH, 0.9, 0.95, steps);
    }

    @Test
    void returnStatisticsFollowEachActorAcrossItsSegmentsAndResetAtEpisodeEnds() {
        double g = 0.9;
        // actor a: one episode cut in two segments (carry continues), then a new one; actor b: a new episode
        Segment a1 = segment("a", List.of(step(0, 0, 1, false), step(0, 1, 2, false)));
        Segment b1 = segment("b", List.of(step(4, 0, -1, false), step(4, 1, -1, true)));
        Segment a2 = segment("a", List.of(step(0, 2, 3, true), step(1, 0, 5, false)));
        RewardNormalizer rn = RewardNormalizer.create(g, 10);
        Map<String, Double> carry = new TreeMap<>();

        Learner.updateReturns(rn, carry, List.of(a1, b1, a2));

        double[] expected = {1, g * 1 + 2, -1, g * -1 - 1, g * (g * 1 + 2) + 3, 5};
        double mean = 0;
        for (double x : expected) {
            mean += x / expected.length;
        }
        double var = 0;
        for (double x : expected) {
            var += (x - mean) * (x - mean) / expected.length;
        }
        assertEquals(6.0, rn.count());
        assertEquals(mean, rn.mean(), 1e-12);
        assertEquals(var, rn.var(), 1e-12);
        assertEquals(Map.of("a", 5.0, "b", 0.0), carry, "a's second episode carries on; b's ended");

        // the next batch continues a's episode from its carried return; a segment starting an episode starts from 0
        RewardNormalizer again = RewardNormalizer.create(g, 10);
        Map<String, Double> c2 = new TreeMap<>(Map.of("a", 5.0, "b", 123.0));
        Learner.updateReturns(again, c2, List.of(segment("a", List.of(step(1, 1, 1, false))),
                segment("b", List.of(step(5, 0, 2, false)))));
        assertEquals(Map.of("a", g * 5 + 1, "b", 2.0), c2);
    }

    @Test
    void aStepWithRewardNormalisationKeepsTheCriticsValuesInTheNewUnits() {
        // with zero critic epochs the critic is untouched by the fit, so V changes only by the change of scale
        Hyperparameters hp = Hyperparameters.defaults().with(Map.of(Hyperparameters.BATCH_STEPS, "64",
                Hyperparameters.CRITIC_EPOCHS, "0", Hyperparameters.NORMALIZE_REWARDS, "true"));
        ActorCritic ac = ActorCritic.create(1, new ActionSpace.Discrete(2), new int[] {8}, Activation.TANH, 0, false, 3L);
        ac.criticParameters()[ac.criticParameters().length - 1] = 0.7;
        TrainingState s0 = new TrainingState(0, -1, "Bandit-v0", ac, new AdamState(ac.criticParameters().length), 1L,
                hp.toMap(), TrainingState.Counters.ZERO, hp.rewardNormalizer(), new TreeMap<>(), new TreeMap<>());
        List<Segment> batch = new ArrayList<>(Bandit.play("r", 0, null, 2, 32, 16, 0, new SplittableRandom(9)));
        double[] x = {0.3};
        double[] before = new double[1];
        Workspace ws = ac.workspace(1);
        ac.values(x, 1, before, ws);

        double initialScale = s0.rewards().scale(); // 1 / sqrt(1 + 1e-8)
        Learner.Outcome out = new Learner(hp).step(s0, batch, 0, hp.toMap());

        double[] after = new double[1];
        out.next().policy().values(x, 1, after, ws);
        RewardNormalizer rn = out.next().rewards();
        assertEquals(64.0, rn.count());
        assertEquals(before[0] * rn.scale() / initialScale, after[0], 1e-12, "V scaled from the old to the new scale");
    }

    @Test
    void inAsyncModeAnOlderVersionsSamplesAreTakenToTheCurrentRewardUnits() {
        Hyperparameters hp = Hyperparameters.defaults().with(Map.of(Hyperparameters.MODE, "async",
                Hyperparameters.MAX_POLICY_LAG, "2", Hyperparameters.NORMALIZE_REWARDS, "true"));
        // scales of versions 3, 4 and 5, as the trainer kept them; 5 is current
        RewardNormalizer rewards = RewardNormalizer.of(0.99, 10, 0, 1.0 / (0.25 * 0.25), 100);
        double current = rewards.scale(); // about 0.25
        TreeMap<Long, Double> kept = new TreeMap<>(Map.of(3L, 1.0, 4L, 0.5, 5L, current));
        ActorCritic ac = ActorCritic.create(1, new ActionSpace.Discrete(2), new int[] {4}, Activation.TANH, 0, false, 3L);
        TrainingState s5 = new TrainingState(5, 4, "Bandit-v0", ac, new AdamState(ac.criticParameters().length), 1L,
                hp.toMap(), TrainingState.Counters.ZERO, rewards, new TreeMap<>(), kept);
        List<Segment> segments = List.of(versioned("a", 5, 2.0), versioned("b", 4, 2.0), versioned("c", 3, 2.0),
                versioned("d", 2, 2.0));

        double[] f = Learner.unitFactors(s5, segments);
        Batch batch = Learner.toBatch(segments, 1, ac.actionSpace(), f);

        assertArrayEquals(new double[] {1.0, current / 0.5, current / 1.0, 1.0}, f, 1e-15,
                "current version: 1; versions 4 and 3: ratio of scales; version 2 (not kept): unchanged");
        assertArrayEquals(new double[] {2.0, 2.0 * current / 0.5, 2.0 * current, 2.0}, batch.advantages(), 1e-15);
        assertArrayEquals(new double[] {2.0, 2.0 * current / 0.5, 2.0 * current, 2.0}, batch.valueTargets(), 1e-15);
    }

    @Test
    void theTrainerKeepsTheScalesOfTheLastMaxPolicyLagVersionsInAsyncModeOnly() {
        Hyperparameters async = Hyperparameters.defaults().with(Map.of(Hyperparameters.MODE, "async",
                Hyperparameters.MAX_POLICY_LAG, "1", Hyperparameters.NORMALIZE_REWARDS, "true"));
        RewardNormalizer rewards = RewardNormalizer.of(0.99, 10, 0, 4.0, 10);
        TreeMap<Long, Double> kept = Learner.keptScales(async, rewards, 7, Map.of(5L, 0.9, 6L, 0.8));
        assertEquals(Map.of(6L, 0.8, 7L, rewards.scale()), kept);

        Hyperparameters sync = async.with(Map.of(Hyperparameters.MODE, "sync"));
        assertEquals(Map.of(), Learner.keptScales(sync, rewards, 7, Map.of(6L, 0.8)));
        assertEquals(Map.of(), Learner.keptScales(async, RewardNormalizer.disabled(), 7, Map.of(6L, 0.8)));
        TrainingState noScales = new TrainingState(7, 6, "Bandit-v0", null, null, 1L, Map.of(),
                TrainingState.Counters.ZERO, rewards, new TreeMap<>(), new TreeMap<>());
        assertNull(Learner.unitFactors(noScales, List.of(versioned("a", 6, 1.0))),
                "a snapshot without scales (older, or sync) leaves older samples as they are");
    }

    @Test
    void anAsyncStepWithRewardNormalisationCarriesTheNewScaleIntoTheSnapshot() {
        Hyperparameters hp = Hyperparameters.defaults().with(Map.of(Hyperparameters.BATCH_STEPS, "64",
                Hyperparameters.MODE, "async", Hyperparameters.MAX_POLICY_LAG, "1",
                Hyperparameters.CRITIC_EPOCHS, "0", Hyperparameters.NORMALIZE_REWARDS, "true"));
        ActorCritic ac = ActorCritic.create(1, new ActionSpace.Discrete(2), new int[] {8}, Activation.TANH, 0, false, 3L);
        RewardNormalizer rn = hp.rewardNormalizer();
        TrainingState s0 = new TrainingState(0, -1, "Bandit-v0", ac, new AdamState(ac.criticParameters().length), 1L,
                hp.toMap(), TrainingState.Counters.ZERO, rn, new TreeMap<>(), Learner.keptScales(hp, rn, 0, Map.of()));
        List<Segment> batch = new ArrayList<>(Bandit.play("r", 0, null, 2, 32, 16, 0, new SplittableRandom(9)));

        TrainingState s1 = new Learner(hp).step(s0, batch, 0, hp.toMap()).next();

        assertEquals(2, s1.rewardScales().size());
        assertEquals(s1.rewards().scale(), s1.rewardScales().get(1L), 0.0);
        assertTrue(Math.abs(s1.rewardScales().get(1L) - s1.rewardScales().get(0L)) > 1e-3, "the scale moved");
        TrainingState decoded = SnapshotCodec.decode(SnapshotCodec.encode("r", s1, 0L));
        assertEquals(s1.rewardScales(), decoded.rewardScales());
    }

    private static Segment versioned(String actor, long version, double advantage) {
        SegmentStep st = SegmentStep.newBuilder(step(0, 0, advantage, false)).build();
        return new Segment("r", "Bandit-v0", actor, version, SegmentEnd.LENGTH, 0.9, 0.95, List.of(st));
    }
}
