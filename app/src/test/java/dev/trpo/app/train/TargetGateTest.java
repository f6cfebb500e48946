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

class TargetGateTest {
    private static EpisodeSummary episode(String actor, long episode, long version, double episodeReturn) {
        return new EpisodeSummary("run", "CartPole-v1", actor, episode, episodeReturn, 10, EpisodeEnding.TERMINATED, version, 0L);
    }

    /** Three actors, versions 0-5; actor a's returns are 100 * version, b's 100 * version + 1, c's 100 * version + 2. */
    private static List<EpisodeSummary> episodes() {
        List<EpisodeSummary> all = new ArrayList<>();
        for (long v = 0; v <= 5; v++) {
            for (int k = 0; k < 2; k++) {
                all.add(episode("a", 2 * v + k, v, 100 * v));
                all.add(episode("b", 2 * v + k, v, 100 * v + 1));
                all.add(episode("c", 2 * v + k, v, 100 * v + 2));
            }
        }
        return all;
    }

    @Test
    void theMeanIsTheSameWhateverOrderTheSummariesArriveIn() {
        List<EpisodeSummary> all = episodes();
        TargetGate inOrder = new TargetGate(4);
        all.forEach(inOrder::add);
        double expected = inOrder.meanBefore(3);
        // version 2's six episodes in (actor, episode) order are a4 a5 b4 b5 c4 c5: the last four are b4 b5 c4 c5
        assertEquals((201 + 201 + 202 + 202) / 4.0, expected, 1e-12);
        for (int seed = 0; seed < 20; seed++) {
            List<EpisodeSummary> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, new Random(seed));
            TargetGate gate = new TargetGate(4);
            shuffled.forEach(gate::add);
            assertEquals(expected, gate.meanBefore(3), 0.0, "arrival order " + seed);
        }
    }

    @Test
    void episodesOfTheVersionAskedForAndLaterAreLeftOut() {
        TargetGate gate = new TargetGate(3);
        gate.add(episode("a", 0, 0, 10));
        gate.add(episode("a", 1, 0, 20));
        gate.add(episode("a", 2, 1, 1000));
        assertTrue(Double.isNaN(gate.meanBefore(1)), "two episodes before version 1 are not a window of three");
        gate.add(episode("b", 0, 0, 30));
        assertEquals(20.0, gate.meanBefore(1), 1e-12);
        assertEquals((20 + 30 + 1000) / 3.0, gate.meanBefore(2), 1e-12);
    }

    @Test
    void olderEpisodesThanTheWindowAreForgotten() {
        TargetGate gate = new TargetGate(4);
        episodes().forEach(gate::add);
        assertEquals(36, gate.held());
        gate.meanBefore(6);
        assertEquals(4, gate.held(), "only the window is kept once every version was asked for");
        gate.add(episode("a", 12, 6, 600));
        assertEquals((501 + 502 + 502 + 600) / 4.0, gate.meanBefore(7), 1e-12);
    }
}
