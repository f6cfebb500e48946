package dev.trpo.trainer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import dev.trpo.schemas.Segment;

/**
 * The segments polled but not yet consumed, one queue per partition, and the batch being collected from them.
 *
 * <p><b>Why this keeps exactly-once.</b> A batch takes records from the <em>head</em> of each partition's queue, in
 * offset order, so what a batch consumed is always a prefix of what was polled from each partition. The offsets the
 * batch commits (in the transaction that publishes its policy) are, per partition, the offset after the last record
 * it consumed (trained on or dead-lettered); records behind it stay queued for the next batch and,
 * after a crash, are read again from the committed offset. Nothing is committed that was not used, nothing used is
 * left uncommitted.
 *
 * <p><b>Why the batch does not depend on partition interleaving.</b> A record of a version newer than the current
 * one blocks its partition (the caller pauses it) until that version is published, up to {@value #MAX_AHEAD}
 * versions ahead; further ahead it cannot come from an actor and is dead-lettered ({@value #FUTURE}), as are stale
 * records ({@value #STALE}), in offset order, in the batch's transaction; the collected segments are sorted by (actor id, episode, step) before they become a batch. When
 * each version's samples add up to the batch size (sync mode: actors x steps-per-version = batch-steps), every
 * batch is exactly "all samples of version v", whatever order the partitions were read in. When they overshoot, a
 * batch is whole segments until at least batch-steps, taken round-robin over partitions, and which segments make
 * the cut depends on arrival order.
 *
 * <p>Not thread-safe: used by the trainer's poll thread only.
 */
final class SegmentBuffer {
    private static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);
    private static final Comparator<Segment> CANONICAL = Comparator.comparing(Segment::getActorId)
            .thenComparingLong(s -> s.getSteps().get(0).getEpisode())
            .thenComparingInt(s -> s.getSteps().get(0).getStep())
            .thenComparingLong(Segment::getPolicyVersion);

    /** Dead-letter reason of a segment older than the mode accepts. */
    static final String STALE = "stale-version";
    /** Dead-letter reason of a segment more than {@value #MAX_AHEAD} versions ahead of the newest published one. */
    static final String FUTURE = "future-version";
    /**
     * Versions ahead of the newest published one that a segment may be and wait for its version: a recorded stream
     * replayed holds later versions' segments; actors never act with an unpublished version.
     */
    static final long MAX_AHEAD = 64;

    /**
     * A polled record: a valid segment (and its bytes, to dead-letter it should it turn out stale), or the bytes of
     * an invalid one and why.
     */
    record Entry(TopicPartition partition, long offset, Segment segment, byte[] invalidBytes, String invalidReason,
                 String invalidDetail) {
        static Entry valid(TopicPartition tp, long offset, Segment segment) {
            return valid(tp, offset, segment, null);
        }

        static Entry valid(TopicPartition tp, long offset, Segment segment, byte[] bytes) {
            return new Entry(tp, offset, segment, bytes, null, null);
        }

        /** This valid entry as a dead letter. */
        Entry unused(String reason, String detail) {
            return new Entry(partition, offset, null, invalidBytes == null ? new byte[0] : invalidBytes, reason, detail);
        }

        static Entry invalid(TopicPartition tp, long offset, byte[] bytes, String reason, String detail) {
            return new Entry(tp, offset, null, bytes, reason, detail);
        }
    }

    /**
     * A complete batch: the segments in canonical order, the offsets to commit with its policy, and what was dropped.
     *
     * @param segments     sorted by (actor id, episode, step)
     * @param steps        total steps of {@code segments}
     * @param offsets      per partition, the offset after the last record consumed
     * @param staleDropped  steps dropped as too old
     * @param futureDropped steps dropped for a version not yet published
     * @param invalid       records not used (invalid, stale, future), to dead-letter in the same transaction
     */
    record Collected(List<Segment> segments, int steps, Map<TopicPartition, OffsetAndMetadata> offsets,
                     long staleDropped, long futureDropped, List<Entry> invalid) {
    }

    private final Map<TopicPartition, ArrayDeque<Entry>> queues = new TreeMap<>(PARTITION_ORDER);
    private final List<Segment> taken = new ArrayList<>();
    private final Map<TopicPartition, Long> consumedUpTo = new HashMap<>();
    private final List<Entry> invalid = new ArrayList<>();
    private int takenSteps;
    private long staleDropped;
    private long futureDropped;

    /** Appends a polled record to its partition's queue (records of one partition must come in offset order). */
    void add(Entry e) {
        queues.computeIfAbsent(e.partition(), p -> new ArrayDeque<>()).addLast(e);
    }

    /** Records queued and not yet consumed. */
    int queued() {
        int n = 0;
        for (ArrayDeque<Entry> q : queues.values()) {
            n += q.size();
        }
        return n;
    }

    /**
     * Moves records from the queue heads into the batch being collected, round-robin over partitions in a fixed
     * order, until it holds at least {@code batchSteps} steps or no queue can give more.
     *
     * @param version the current policy version
     * @return true when the batch is complete ({@link #take()} may be called)
     */
    boolean fill(long version, TrainerMode mode, int maxPolicyLag, int batchSteps) {
        long oldest = mode == TrainerMode.SYNC ? version : version - maxPolicyLag;
        boolean progress = true;
        while (takenSteps < batchSteps && progress) {
            progress = false;
            for (ArrayDeque<Entry> q : queues.values()) {
                // Skip stale and invalid records at the head, then take at most one segment from this partition.
                while (!q.isEmpty() && takenSteps < batchSteps) {
                    Entry e = q.peekFirst();
                    if (e.segment() == null) {
                        invalid.add(e);
                    } else if (e.segment().getPolicyVersion() > version
                            && e.segment().getPolicyVersion() <= version + MAX_AHEAD) {
                        break; // blocked until its version is published (a recorded stream replayed)
                    } else if (e.segment().getPolicyVersion() > version) {
                        // no actor acts with a version that far from published: it is bogus, and waiting for it
                        // would block the partition for good
                        futureDropped += e.segment().getSteps().size();
                        invalid.add(e.unused(FUTURE, describe(e.segment()) + " is ahead of the newest published version "
                                + version));
                    } else if (e.segment().getPolicyVersion() < oldest) {
                        staleDropped += e.segment().getSteps().size();
                        invalid.add(e.unused(STALE, describe(e.segment()) + " is older than the oldest version "
                                + oldest + " the " + mode.name().toLowerCase() + " mode trains on (current " + version + ")"));
                    } else {
                        taken.add(e.segment());
                        takenSteps += e.segment().getSteps().size();
                        consume(q);
                        progress = true;
                        break;
                    }
                    consume(q);
                    progress = true;
                }
            }
        }
        return takenSteps >= batchSteps;
    }

    private static String describe(Segment s) {
        return "segment of actor " + s.getActorId() + " episode " + s.getSteps().get(0).getEpisode() + " steps "
                + s.getSteps().get(0).getStep() + "-" + s.getSteps().get(s.getSteps().size() - 1).getStep()
                + " under version " + s.getPolicyVersion();
    }

    /** Steps taken into the batch being collected, per actor (for the stall report). */
    Map<String, Integer> takenByActor() {
        Map<String, Integer> out = new TreeMap<>();
        for (Segment s : taken) {
            out.merge(s.getActorId(), s.getSteps().size(), Integer::sum);
        }
        return out;
    }

    /** Records set aside for the dead-letter topic in the batch being collected, by reason. */
    Map<String, Integer> unusedByReason() {
        Map<String, Integer> out = new TreeMap<>();
        for (Entry e : invalid) {
            out.merge(e.invalidReason(), 1, Integer::sum);
        }
        return out;
    }

    /** Steps collected so far for the batch. */
    int takenSteps() {
        return takenSteps;
    }

    private void consume(ArrayDeque<Entry> q) {
        Entry e = q.removeFirst();
        consumedUpTo.put(e.partition(), e.offset() + 1);
    }

    /** Partitions whose head record belongs to a version newer than {@code version}: pause them. */
    Set<TopicPartition> blocked(long version) {
        Set<TopicPartition> out = new TreeSet<>(PARTITION_ORDER);
        queues.forEach((tp, q) -> {
            Entry head = q.peekFirst();
            if (head != null && head.segment() != null && head.segment().getPolicyVersion() > version) {
                out.add(tp);
            }
        });
        return out;
    }

    /** The complete batch, in canonical order; resets the collection (queued records stay). */
    Collected take() {
        List<Segment> segments = new ArrayList<>(taken);
        segments.sort(CANONICAL);
        Map<TopicPartition, OffsetAndMetadata> offsets = new TreeMap<>(PARTITION_ORDER);
        consumedUpTo.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
        Collected c = new Collected(List.copyOf(segments), takenSteps, offsets, staleDropped, futureDropped,
                List.copyOf(invalid));
        taken.clear();
        consumedUpTo.clear();
        invalid.clear();
        takenSteps = 0;
        staleDropped = 0;
        futureDropped = 0;
        return c;
    }

    /** Forgets everything (after a failed transaction the consumer is rewound to the committed offsets). */
    void clear() {
        queues.clear();
        take();
    }
}
