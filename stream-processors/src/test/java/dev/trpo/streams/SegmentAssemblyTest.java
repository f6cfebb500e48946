package dev.trpo.streams;

import static dev.trpo.streams.TopologyFixture.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.schemas.EpisodeEnding;
import dev.trpo.schemas.EpisodeSummary;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentEnd;
import dev.trpo.schemas.SegmentStep;

/**
 * Segment cuts, bootstrap semantics and GAE values through the whole topology. The fixture's run has
 * gamma = lambda = 0.5, segments of 4 steps, reward 1 and value 0.5 at every step unless a test says otherwise;
 * expected advantages are worked by hand in each test from delta_i = r_i + gamma V' - V_i and
 * A_i = delta_i + gamma lambda A_{i+1}.
 */
class SegmentAssemblyTest {
    /** The numbers are exact binary fractions; only the last bits of the recursion may differ. */
    private static final double TOL = 1e-12;

    @TempDir
    Path stateDir;
    private TopologyFixture f;

    @BeforeEach
    void start() {
        f = new TopologyFixture(TopologyFixture.cartPole().build(), stateDir);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private static void assertAdvantages(Segment s, double... expected) {
        assertEquals(expected.length, s.getSteps().size(), "steps in the segment");
        for (int i = 0; i < expected.length; i++) {
            SegmentStep step = s.getSteps().get(i);
            assertEquals(expected[i], step.getAdvantage(), TOL, "advantage of step " + i);
            assertEquals(expected[i] + step.getValue(), step.getValueTarget(), TOL, "value target of step " + i);
        }
    }

    @Test
    void terminatedEpisodeIsOneSegmentWithoutBootstrap() {
        f.send(step("a", 0, 0), step("a", 0, 1), step("a", 0, 2).setTerminated(true).setBootstrapValue(100.0));

        List<Segment> segments = f.segments();
        assertEquals(1, segments.size());
        Segment s = segments.get(0);
        assertEquals(SegmentEnd.EPISODE_END, s.getEnd());
        assertEquals(0.5, s.getGamma());
        assertEquals(0.5, s.getLambda());
        // delta = [0.75, 0.75, 0.5] (the terminal step ignores its bootstrap value); A2 = 0.5, A1 = 0.75 + 0.25 * 0.5, ...
        assertAdvantages(s, 0.96875, 0.875, 0.5);
    }

    @Test
    void advantagesUseTheLearningRewardWhileTheSegmentAndTheEpisodeKeepTheReward() {
        // a reward-normalising version: reward 1 arrives with learning reward 0.25
        f.send(step("a", 0, 0).setLearningReward(0.25), step("a", 0, 1).setLearningReward(0.25),
                step("a", 0, 2).setLearningReward(0.25).setTerminated(true));

        Segment s = f.segments().get(0);
        // delta = [0.25 + 0.25 - 0.5, 0, 0.25 - 0.5] = [0, 0, -0.25]; A2 = -0.25, A1 = 0 + 0.25 * -0.25, A0 = 0.25 * A1
        assertAdvantages(s, -0.015625, -0.0625, -0.25);
        s.getSteps().forEach(st -> assertEquals(1.0, st.getReward(), "the segment carries the environment's reward"));
        assertEquals(3.0, f.episodes().get(0).getEpisodeReturn(), "the episode return sums the environment's rewards");
    }

    @Test
    void truncatedEpisodeBootstrapsFromItsBootstrapValue() {
        f.send(step("a", 0, 0), step("a", 0, 1), step("a", 0, 2).setTruncated(true).setBootstrapValue(2.0));

        Segment s = f.segments().get(0);
        assertEquals(SegmentEnd.EPISODE_END, s.getEnd());
        // delta2 = 1 + 0.5 * 2 - 0.5 = 1.5; A1 = 0.75 + 0.25 * 1.5 = 1.125; A0 = 0.75 + 0.25 * 1.125
        assertAdvantages(s, 1.03125, 1.125, 1.5);
        assertEquals(EpisodeEnding.TRUNCATED, f.episodes().get(0).getEnding());
    }

    @Test
    void lengthCutWithoutBootstrapWaitsForTheNextStepsValue() {
        f.send(step("a", 0, 0), step("a", 0, 1), step("a", 0, 2), step("a", 0, 3));
        assertTrue(f.segments().isEmpty(), "the 4th step has no V(next obs) yet");

        f.send(step("a", 0, 4).setValue(3.0));

        Segment s = f.segments().get(0);
        assertEquals(SegmentEnd.LENGTH, s.getEnd());
        assertEquals(List.of(0, 1, 2, 3), s.getSteps().stream().map(SegmentStep::getStep).toList());
        // delta3 = 1 + 0.5 * 3 - 0.5 = 2; A2 = 0.75 + 0.25 * 2 = 1.25; A1 = 1.0625; A0 = 1.015625
        assertAdvantages(s, 1.015625, 1.0625, 1.25, 2.0);
    }

    @Test
    void lengthCutWithBootstrapValueIsEmittedAtOnce() {
        f.send(step("a", 0, 0), step("a", 0, 1), step("a", 0, 2), step("a", 0, 3).setBootstrapValue(3.0));

        Segment s = f.segments().get(0);
        assertEquals(SegmentEnd.LENGTH, s.getEnd());
        assertAdvantages(s, 1.015625, 1.0625, 1.25, 2.0);
    }

    @Test
    void lastStepOfAVersionClosesTheSegmentWithItsBootstrapValue() {
        f.send(step("a", 0, 0), step("a", 0, 1).setLastOfVersion(true).setBootstrapValue(3.0));

        Segment s = f.segments().get(0);
        assertEquals(SegmentEnd.VERSION_END, s.getEnd());
        assertEquals(0L, s.getPolicyVersion());
        // delta1 = 1 + 1.5 - 0.5 = 2; A0 = 0.75 + 0.25 * 2
        assertAdvantages(s, 1.25, 2.0);
        assertTrue(f.episodes().isEmpty(), "the episode goes on under the next version");
    }

    @Test
    void policyVersionChangeClosesTheOpenRunFirst() {
        f.send(step("a", 0, 0), step("a", 0, 1), step("a", 0, 2).setPolicyVersion(1).setValue(3.0));

        List<Segment> segments = f.segments();
        assertEquals(1, segments.size());
        Segment s = segments.get(0);
        assertEquals(SegmentEnd.VERSION_END, s.getEnd());
        assertEquals(0L, s.getPolicyVersion());
        assertAdvantages(s, 1.25, 2.0);

        f.send(step("a", 0, 3).setPolicyVersion(1).setTerminated(true));
        Segment next = f.segments().get(0);
        assertEquals(1L, next.getPolicyVersion());
        assertEquals(List.of(2, 3), next.getSteps().stream().map(SegmentStep::getStep).toList());
    }

    @Test
    void longEpisodeSpansSegmentsAndGetsOneSummaryWithTheWholeReturn() {
        for (int i = 0; i < 10; i++) {
            f.send(step("a", 7, i).setReward(i).setPolicyVersion(i < 9 ? 0 : 0).setTerminated(i == 9));
        }

        List<Segment> segments = f.segments();
        assertEquals(List.of(4, 4, 2), segments.stream().map(s -> s.getSteps().size()).toList());
        assertEquals(List.of(SegmentEnd.LENGTH, SegmentEnd.LENGTH, SegmentEnd.EPISODE_END), segments.stream().map(Segment::getEnd).toList());
        List<EpisodeSummary> episodes = f.episodes();
        assertEquals(1, episodes.size());
        EpisodeSummary e = episodes.get(0);
        assertEquals(45.0, e.getEpisodeReturn());
        assertEquals(10, e.getLength());
        assertEquals(7L, e.getEpisode());
        assertEquals(EpisodeEnding.TERMINATED, e.getEnding());
        assertEquals(TopologyFixture.RUN, e.getRunId());
        assertEquals(10.0, f.count(StreamsMeters.SEGMENT_STEPS));
    }

    @Test
    void actorsAreAssembledIndependently() {
        f.send(step("a", 0, 0), step("b", 0, 0), step("a", 0, 1).setTerminated(true), step("b", 0, 1), step("b", 0, 2).setTerminated(true));

        List<Segment> segments = f.segments();
        assertEquals(List.of("a", "b"), segments.stream().map(Segment::getActorId).toList());
        assertEquals(List.of(2, 3), segments.stream().map(s -> s.getSteps().size()).toList());
    }

    @Test
    void silentActorIsClosedByTheIdlePunctuatorAndItsEpisodeAbandoned() {
        f.send(step("a", 0, 0), step("a", 0, 1), step("a", 0, 2));
        f.driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertTrue(f.segments().isEmpty(), "not idle yet");

        f.driver.advanceWallClockTime(Duration.ofSeconds(6));

        Segment s = f.segments().get(0);
        assertEquals(SegmentEnd.IDLE_TIMEOUT, s.getEnd());
        // Steps 0 and 1 are emitted (step 1 bootstraps from step 2's value 0.5); step 2 has no V(next obs).
        // delta1 = 1 + 0.25 - 0.5 = 0.75; A0 = 0.75 + 0.25 * 0.75
        assertAdvantages(s, 0.9375, 0.75);
        assertEquals(1.0, f.count(StreamsMeters.ABANDONED_STEPS));
        EpisodeSummary e = f.episodes().get(0);
        assertEquals(EpisodeEnding.ABANDONED, e.getEnding());
        assertEquals(3.0, e.getEpisodeReturn());
        assertEquals(3, e.getLength());
    }

    @Test
    void silentActorWhoseLastStepCarriesItsBootstrapLosesNothing() {
        f.send(step("a", 0, 0), step("a", 0, 1).setBootstrapValue(3.0));

        f.driver.advanceWallClockTime(Duration.ofSeconds(11));

        Segment s = f.segments().get(0);
        assertEquals(SegmentEnd.IDLE_TIMEOUT, s.getEnd());
        assertAdvantages(s, 1.25, 2.0);
        assertEquals(0.0, f.count(StreamsMeters.ABANDONED_STEPS));
    }

    @Test
    void silentActorWithASingleHeldStepCountsItAsAbandoned() {
        f.send(step("a", 0, 0));

        f.driver.advanceWallClockTime(Duration.ofSeconds(11));

        assertTrue(f.segments().isEmpty());
        assertEquals(1.0, f.count(StreamsMeters.ABANDONED_STEPS));
        assertEquals(EpisodeEnding.ABANDONED, f.episodes().get(0).getEnding());
    }

    @Test
    void actorStartingANewEpisodeAbandonsTheUnfinishedOne() {
        f.send(step("a", 0, 0), step("a", 0, 1), step("a", 1, 0), step("a", 1, 1).setTerminated(true));

        List<Segment> segments = f.segments();
        assertEquals(List.of(SegmentEnd.IDLE_TIMEOUT, SegmentEnd.EPISODE_END), segments.stream().map(Segment::getEnd).toList());
        assertEquals(List.of(1, 2), segments.stream().map(s -> s.getSteps().size()).toList());
        assertEquals(List.of(EpisodeEnding.ABANDONED, EpisodeEnding.TERMINATED), f.episodes().stream().map(EpisodeSummary::getEnding).toList());
    }

    @Test
    void anActorStartedAgainFromEpisodeZeroClosesItsOpenEpisodeAsRestartedAndItsNewStepsTrain() {
        // the actor's producer ran episodes 0-2 and died in episode 3; started again, it numbers from 0
        f.send(step("a", 0, 0).setTerminated(true), step("a", 1, 0).setTerminated(true), step("a", 2, 0),
                step("a", 2, 1).setTerminated(true), step("a", 3, 0), step("a", 3, 1),
                step("a", 0, 0), step("a", 0, 1), step("a", 0, 2).setTerminated(true));

        assertTrue(f.deadLetters().isEmpty(), "the restarted actor's steps are not dead-lettered as duplicates");
        List<Segment> segments = f.segments();
        Segment last = segments.get(segments.size() - 1);
        assertEquals(SegmentEnd.EPISODE_END, last.getEnd());
        assertEquals(List.of(0, 1, 2), last.getSteps().stream().map(SegmentStep::getStep).toList(), "the new steps train");
        List<EpisodeSummary> episodes = f.episodes();
        assertEquals(List.of(EpisodeEnding.TERMINATED, EpisodeEnding.TERMINATED, EpisodeEnding.TERMINATED,
                EpisodeEnding.RESTARTED, EpisodeEnding.TERMINATED), episodes.stream().map(EpisodeSummary::getEnding).toList());
        assertEquals(3L, episodes.get(3).getEpisode(), "the open episode is the one closed");
        assertEquals(1.0, f.count(StreamsMeters.ACTOR_RESTARTS));
        assertEquals(9.0, f.count(StreamsMeters.TRANSITIONS));
    }

    @Test
    void theFirstStepSeenTwiceIsStillADuplicate() {
        f.send(step("a", 0, 0), step("a", 0, 0));

        assertEquals(1, f.deadLetters().size());
        assertEquals(0.0, f.count(StreamsMeters.ACTOR_RESTARTS));
    }

    @Test
    void nextEpisodeStartsAfterAnEndedOne() {
        f.send(step("a", 0, 0).setTerminated(true), step("a", 1, 0), step("a", 1, 1).setTruncated(true).setBootstrapValue(1.0));

        assertEquals(2, f.segments().size());
        assertEquals(2, f.episodes().size());
        assertTrue(f.deadLetters().isEmpty());
        assertEquals(3.0, f.count(StreamsMeters.TRANSITIONS));
    }
}
