package dev.trpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
                hp.toMap(), TrainingState.Counters.ZERO, hp.rewardNormalizer(), new TreeMap<>());
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
}
