package dev.trpo.app.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Which part of the pipeline {@code trpo watch} points at when no version comes, and when it says so. */
class StallWatchTest {
    private static final long V3_AT = 1_000_000;

    @Test
    void aLineComesOnlyAfterTheStallTimeAndThenEveryStallTime() {
        StallWatch w = new StallWatch(Duration.ofSeconds(30));
        assertEquals(Optional.empty(), w.check(null, 0, new StallWatch.Offsets(0, 0), V3_AT));
        assertEquals(Optional.empty(), w.check(3L, V3_AT, new StallWatch.Offsets(10, 5), V3_AT + 1000));
        assertEquals(Optional.empty(), w.check(3L, V3_AT, new StallWatch.Offsets(10, 5), V3_AT + 29_000));
        assertTrue(w.check(3L, V3_AT, new StallWatch.Offsets(10, 5), V3_AT + 31_000).orElseThrow()
                .startsWith("stalled? no new version for 31 s after v3: since then +0 transitions, +0 segments, 0 dead letters;"));
        assertEquals(Optional.empty(), w.check(3L, V3_AT, new StallWatch.Offsets(10, 5), V3_AT + 40_000));
        assertTrue(w.check(3L, V3_AT, new StallWatch.Offsets(10, 5), V3_AT + 62_000).isPresent());
        // a new version ends the stall
        assertEquals(Optional.empty(), w.check(4L, V3_AT + 70_000, new StallWatch.Offsets(10, 5), V3_AT + 71_000));
    }

    @Test
    void theHintFollowsWhatMoved() {
        assertTrue(hint(0, 0, 0).contains("are the connectors running"));
        assertTrue(hint(4096, 0, 4096).contains("the transitions are dead-lettered"));
        assertTrue(hint(4096, 0, 0).contains("are the stream processors running"));
        assertTrue(hint(4096, 16, 0).contains("the trainer publishes nothing"));
    }

    @Test
    void onlyDeadLettersSinceTheNewestVersionCount() {
        StallWatch w = new StallWatch(Duration.ofSeconds(1));
        w.deadLetter(V3_AT - 1, "duplicate");
        w.deadLetter(V3_AT + 1, "duplicate");
        w.deadLetter(V3_AT + 2, "bad-observation");
        w.check(3L, V3_AT, new StallWatch.Offsets(0, 0), V3_AT);
        String line = w.check(3L, V3_AT, new StallWatch.Offsets(8, 0), V3_AT + 5000).orElseThrow();
        assertTrue(line.contains("+8 transitions, +0 segments, 2 dead letters (bad-observation 1, duplicate 1)"), line);
    }

    private static String hint(long transitions, long segments, int deadLetters) {
        StallWatch w = new StallWatch(Duration.ofSeconds(1));
        for (int i = 0; i < deadLetters; i++) {
            w.deadLetter(V3_AT + 1, "duplicate");
        }
        w.check(3L, V3_AT, new StallWatch.Offsets(100, 100), V3_AT);
        return w.check(3L, V3_AT, new StallWatch.Offsets(100 + transitions, 100 + segments), V3_AT + 2000).orElseThrow();
    }
}
