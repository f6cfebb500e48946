package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.trpo.schemas.EpisodeEnding;
import dev.trpo.schemas.EpisodeSummary;

class EpisodeLedgerTest {
    private static EpisodeSummary episode(String actor, long episode, int length, double episodeReturn) {
        return new EpisodeSummary("run", "CartPole-v1", actor, episode, episodeReturn, length, EpisodeEnding.TERMINATED,
                0L, 0L);
    }

    @Test
    void anEpisodeEndsAtTheStepOfItsActorTimesTheActors() {
        EpisodeLedger ledger = new EpisodeLedger(0, 2);
        ledger.add(episode("actor-0", 0, 10, 1));
        ledger.add(episode("actor-1", 0, 4, 2));
        ledger.add(episode("actor-0", 1, 5, 3));
        ledger.add(episode("actor-1", 1, 11, 4));
        // actor-0 ends at its steps 10 and 15, actor-1 at 4 and 15: environment steps 20, 30 and 8, 30
        List<EpisodeLedger.Ended> ordered = ledger.ordered();
        assertEquals(List.of(8L, 20L, 30L, 30L), ordered.stream().map(EpisodeLedger.Ended::step).toList());
        assertEquals(List.of(2.0, 1.0, 3.0, 4.0), ordered.stream().map(EpisodeLedger.Ended::episodeReturn).toList(),
                "a tie is broken by actor id");
        EpisodeLedger resumed = new EpisodeLedger(1000, 2);
        resumed.add(episode("actor-0", 0, 10, 1));
        assertEquals(1020L, resumed.ordered().get(0).step(), "a resumed run counts on from its snapshot's steps");
    }

    @Test
    void theFiguresAreTheSameWhateverOrderTheSummariesArriveIn() {
        Random rnd = new Random(3);
        List<EpisodeSummary> all = new ArrayList<>();
        for (int a = 0; a < 4; a++) {
            for (int e = 0; e < 60; e++) {
                all.add(episode("actor-" + a, e, 1 + rnd.nextInt(50), e * 10 + a + rnd.nextDouble()));
            }
        }
        EpisodeLedger inOrder = new EpisodeLedger(0, 4);
        all.forEach(inOrder::add);
        for (int seed = 0; seed < 20; seed++) {
            List<EpisodeSummary> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, new Random(seed));
            EpisodeLedger ledger = new EpisodeLedger(0, 4);
            shuffled.forEach(ledger::add);
            for (long step = 0; step <= 6000; step += 250) {
                assertEquals(inOrder.at(step), ledger.at(step), "arrival order " + seed + ", step " + step);
            }
            assertEquals(inOrder.stepsTo(300, 10, Long.MAX_VALUE), ledger.stepsTo(300, 10, Long.MAX_VALUE));
        }
    }

    @Test
    void windowsAndStepsToTheThresholdFollowTheEpisodesByStep() {
        EpisodeLedger ledger = new EpisodeLedger(0, 1);
        for (int e = 0; e < 30; e++) {
            ledger.add(episode("actor-0", e, 10, e)); // episode e ends at step 10 (e + 1) with return e
        }
        assertEquals(new EpisodeLedger.Window(0, Double.NaN, Double.NaN), ledger.at(9));
        EpisodeLedger.Window w = ledger.at(125); // episodes 0..11
        assertEquals(12, w.episodes());
        assertEquals((2 + 11) / 2.0, w.mean10(), 1e-12);
        assertEquals(5.5, w.mean100(), 1e-12, "fewer than 100: the mean of all");
        // the mean of the last 10 first reaches 10 with episodes 6..15 (mean 10.5), which ends at step 160
        assertEquals(160, ledger.stepsTo(10, 10, Long.MAX_VALUE));
        assertEquals(-1, ledger.stepsTo(10, 10, 159), "episodes after the run's last trained step are not counted");
        assertEquals(-1, ledger.stepsTo(10, 100, Long.MAX_VALUE), "a window of 100 is never full");
    }

    @Test
    void anAbandonedEpisodeTakesItsStepsButNotItsReturn() {
        EpisodeLedger ledger = new EpisodeLedger(0, 1);
        ledger.add(episode("actor-0", 0, 10, 5));
        ledger.add(new EpisodeSummary("run", "CartPole-v1", "actor-0", 1L, -1000.0, 7, EpisodeEnding.ABANDONED, 0L, 0L));
        ledger.add(episode("actor-0", 2, 3, 7));
        assertEquals(List.of(10L, 20L), ledger.ordered().stream().map(EpisodeLedger.Ended::step).toList());
        assertEquals(new EpisodeLedger.Window(2, 6.0, 6.0), ledger.at(20));
        assertTrue(ledger.stepsTo(6, 2, Long.MAX_VALUE) == 20);
    }
}
