package dev.trpo.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says why a batch does not fill. When no version has been published for the stall timeout, it names the actors
 * that gave the batch being collected its steps, the actors seen earlier in the run that gave it none, and what
 * the trainer set aside for the dead-letter topic; it logs that (WARN), counts it ({@link TrainerMetrics#STALLS}),
 * and hands the line to listeners ({@code ./trpo train}'s progress). Repeated every timeout while the stall lasts.
 *
 * <p>Not thread-safe: used by the trainer's poll thread (listeners may be added from any thread).
 */
final class StallReporter {
    private static final Logger LOG = LoggerFactory.getLogger(StallReporter.class);

    private final String runId;
    private final String dlqTopic;
    private final long timeoutNanos;
    private final LongSupplier clock;
    private final TrainerMetrics metrics;
    private final Set<String> seen = new TreeSet<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private Supplier<List<String>> hanging = List::of;
    private long lastProgress;
    private long lastReport;

    StallReporter(String runId, String dlqTopic, long timeoutNanos, LongSupplier clock, TrainerMetrics metrics) {
        this.runId = runId;
        this.dlqTopic = dlqTopic;
        this.timeoutNanos = timeoutNanos;
        this.clock = clock;
        this.metrics = metrics;
        this.lastProgress = clock.getAsLong();
        this.lastReport = lastProgress;
    }

    void onStall(Consumer<String> listener) {
        listeners.add(listener);
    }

    /**
     * Where a report looks for hanging transactions on the trainer's inputs (each a line that says where and how to
     * clear it): a stall that no actor can end until one is aborted.
     */
    void hangingTransactions(Supplier<List<String>> probe) {
        this.hanging = probe;
    }

    /** An actor's segment arrived. */
    void seen(String actorId) {
        seen.add(actorId);
    }

    /** A version was published: the wait starts again. */
    void published() {
        lastProgress = clock.getAsLong();
        lastReport = lastProgress;
        metrics.waiting(0);
    }

    /**
     * Reports when the batch of {@code version} has waited for the timeout since the last report.
     *
     * @return the line reported, or null
     */
    String check(long version, SegmentBuffer buffer, int batchSteps) {
        long now = clock.getAsLong();
        metrics.waiting((now - lastProgress) / 1e9);
        if (now - lastReport < timeoutNanos) {
            return null;
        }
        lastReport = now;
        Map<String, Integer> contributing = buffer.takenByActor();
        List<String> silent = new ArrayList<>();
        for (String actor : seen) {
            if (!contributing.containsKey(actor)) {
                silent.add(actor);
            }
        }
        Map<String, Integer> unused = buffer.unusedByReason();
        Set<String> blocked = new TreeSet<>();
        buffer.blocked(version).forEach(tp -> blocked.add(tp.toString()));
        List<String> hangingNow = hanging.get();
        String why = hangingNow.isEmpty() ? reason(contributing, silent, unused, seen.isEmpty())
                : "hanging transactions hold back every read_committed reader of " + hangingNow
                        + " until they are aborted (trpo broker does it by itself)";
        String line = String.format("batch stalled run=%s version=%d waited=%.0fs samples=%d of %d"
                        + " contributing=%s silent_since_seen=%s dead_lettered_by_trainer=%s"
                        + " partitions_waiting_for_a_later_version=%s:"
                        + " %s; the stream processors' dead letters (duplicate, out-of-order, invalid) are on %s",
                runId, version, (now - lastProgress) / 1e9, buffer.takenSteps(), batchSteps, contributing, silent,
                unused, blocked, why, dlqTopic);
        LOG.warn(line);
        metrics.stall();
        for (Consumer<String> l : listeners) {
            l.accept(line);
        }
        return line;
    }

    private static String reason(Map<String, Integer> contributing, List<String> silent, Map<String, Integer> unused,
                                 boolean noneSeen) {
        if (noneSeen) {
            return "no segment has arrived yet: are the connectors and the stream processors running?";
        }
        if (!unused.isEmpty() && contributing.isEmpty()) {
            return "every segment since the last version was unusable for this version";
        }
        if (!silent.isEmpty()) {
            return "actors " + silent + " sent nothing for this version: stopped, crashed, or their steps were"
                    + " dead-lettered";
        }
        return "the contributing actors have not yet taken enough steps";
    }
}
