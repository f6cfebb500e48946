package dev.trpo.app.watch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code trpo watch}'s answer to "why is nothing happening?": when no new policy version has come for a while, one
 * line that says how long, what moved on the run's topics since the newest version (committed transitions and
 * segments, dead letters by reason) and so which part of the pipeline to look at. It repeats every {@code after}
 * while the run stays still. Pure bookkeeping: the caller reads the topics.
 */
final class StallWatch {
    /** The committed end of the transitions and segments topics at one moment. */
    record Offsets(long transitions, long segments) {
    }

    private final long afterMs;
    private long version = Long.MIN_VALUE;
    private Offsets atVersion;
    private long nextLineMs;
    private final List<DeadLetter> deadLetters = new ArrayList<>();

    private record DeadLetter(long timestampMs, String reason) {
    }

    /** @param after how long without a new version before the first line, and between lines */
    StallWatch(Duration after) {
        if (after.isNegative() || after.isZero()) {
            throw new IllegalArgumentException("--stall-after must be positive, got " + after);
        }
        this.afterMs = after.toMillis();
    }

    /** A dead letter read from the run's dlq topic: its record timestamp and its reason header. */
    void deadLetter(long timestampMs, String reason) {
        deadLetters.add(new DeadLetter(timestampMs, reason == null ? "(no reason)" : reason));
    }

    /**
     * Looks at the run once.
     *
     * @param newest      the newest version read, or null before one was
     * @param createdAtMs when the trainer published it (its snapshot's createdAtMs)
     * @param offsets     the topics' committed ends now, or null when they cannot be read
     * @param nowMs       the wall clock
     * @return the line to print, when the run has been still for long enough and no line was printed recently
     */
    Optional<String> check(Long newest, long createdAtMs, Offsets offsets, long nowMs) {
        if (newest == null) {
            return Optional.empty();
        }
        if (newest != version) {
            version = newest;
            atVersion = offsets;
            deadLetters.removeIf(d -> d.timestampMs() < createdAtMs); // only those since the newest version count
            nextLineMs = Math.max(createdAtMs, 0) + afterMs;
            return Optional.empty();
        }
        if (nowMs < nextLineMs) {
            return Optional.empty();
        }
        nextLineMs = nowMs + afterMs;
        Map<String, Integer> letters = new TreeMap<>();
        for (DeadLetter d : deadLetters) {
            if (d.timestampMs() >= createdAtMs) {
                letters.merge(d.reason(), 1, Integer::sum);
            }
        }
        if (offsets == null || atVersion == null) {
            return Optional.of(String.format(Locale.ROOT, "stalled? no new version for %,d s after v%d; %,d dead letters"
                    + " since; this user may not read the transitions and segments topics' ends to say more",
                    (nowMs - createdAtMs) / 1000, newest, letters.values().stream().mapToInt(Integer::intValue).sum()));
        }
        return Optional.of(line(newest, (nowMs - createdAtMs) / 1000, offsets.transitions() - atVersion.transitions(),
                offsets.segments() - atVersion.segments(), letters));
    }

    static String line(long version, long seconds, long transitions, long segments, Map<String, Integer> deadLetters) {
        int letters = deadLetters.values().stream().mapToInt(Integer::intValue).sum();
        List<String> byReason = new ArrayList<>();
        deadLetters.forEach((reason, n) -> byReason.add(String.format(Locale.ROOT, "%s %,d", reason, n)));
        String hint;
        if (transitions == 0) {
            hint = "no actor has committed a transition since: are the connectors running (or is the run over)?";
        } else if (segments == 0 && letters > 0) {
            hint = "the transitions are dead-lettered: the dlq topic's trpo.dlq.reason and trpo.dlq.detail headers say why";
        } else if (segments == 0) {
            hint = "transitions arrive but no segment: are the stream processors running?";
        } else {
            hint = "segments arrive but the trainer publishes nothing: its log's 'batch stalled' WARN names the actors"
                    + " it waits for (metric trpo.trainer.stalls)";
        }
        return String.format(Locale.ROOT, "stalled? no new version for %,d s after v%d: since then +%,d transitions,"
                + " +%,d segments, %,d dead letters%s; %s", seconds, version, transitions, segments, letters,
                byReason.isEmpty() ? "" : " (" + String.join(", ", byReason) + ")", hint);
    }
}
