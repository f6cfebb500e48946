package dev.trpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.trpo.schemas.Segment;

class SegmentBufferTest {
    private static final String TOPIC = "trpo.t.segments";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    /** Segments of version 0 then 1 of 4 actors (8 steps each per version, segments of 4), actor a on partition a % 2. */
    private static List<SegmentBuffer.Entry> stream() {
        List<SegmentBuffer.Entry> out = new ArrayList<>();
        long[] next = new long[2];
        for (int v = 0; v < 2; v++) {
            for (Segment s : Bandit.play("t", v, null, 4, 8, 4, v * 8L, new SplittableRandom(v))) {
                int p = Integer.parseInt(s.getActorId().substring("actor-".length())) % 2;
                out.add(SegmentBuffer.Entry.valid(p == 0 ? P0 : P1, next[p]++, s));
            }
        }
        return out;
    }

    @Test
    void batchIsTheSameWhateverThePartitionInterleaving() {
        List<SegmentBuffer.Entry> records = stream();
        SegmentBuffer.Collected reference = null;
        for (long seed = 0; seed < 20; seed++) {
            // Shuffle across partitions but keep each partition's order, as a consumer would deliver them.
            List<SegmentBuffer.Entry> p0 = new ArrayList<>(records.stream().filter(e -> e.partition().equals(P0)).toList());
            List<SegmentBuffer.Entry> p1 = new ArrayList<>(records.stream().filter(e -> e.partition().equals(P1)).toList());
            SplittableRandom rng = new SplittableRandom(seed);
            SegmentBuffer buffer = new SegmentBuffer();
            boolean complete = false;
            while (!complete && !(p0.isEmpty() && p1.isEmpty())) {
                List<SegmentBuffer.Entry> from = p1.isEmpty() || (!p0.isEmpty() && rng.nextBoolean()) ? p0 : p1;
                buffer.add(from.remove(0));
                complete = buffer.fill(0, TrainerMode.SYNC, 0, 32);
            }
            assertTrue(complete, "the 32 steps of version 0 complete a batch");
            SegmentBuffer.Collected c = buffer.take();
            if (reference == null) {
                reference = c;
            } else {
                assertEquals(reference.segments(), c.segments());
                assertEquals(reference.offsets(), c.offsets());
            }
        }
        assertEquals(32, reference.steps());
        assertEquals(Map.of(P0, new OffsetAndMetadata(4), P1, new OffsetAndMetadata(4)), reference.offsets());
        List<Segment> sorted = new ArrayList<>(reference.segments());
        Collections.sort(sorted, (a, b) -> a.getActorId().compareTo(b.getActorId()));
        assertEquals(sorted, reference.segments(), "canonical order: by actor, then episode");
    }

    @Test
    void newerVersionBlocksItsPartitionAndIsKeptForTheNextBatch() {
        SegmentBuffer buffer = new SegmentBuffer();
        stream().forEach(buffer::add);

        assertTrue(buffer.fill(0, TrainerMode.SYNC, 0, 32));
        SegmentBuffer.Collected v0 = buffer.take();
        assertEquals(Set.of(P0, P1), buffer.blocked(0), "both partitions now start with version 1");
        assertTrue(buffer.fill(1, TrainerMode.SYNC, 0, 32));
        SegmentBuffer.Collected v1 = buffer.take();

        assertEquals(8, v0.segments().size());
        assertTrue(v0.segments().stream().allMatch(s -> s.getPolicyVersion() == 0));
        assertTrue(v1.segments().stream().allMatch(s -> s.getPolicyVersion() == 1));
        assertEquals(new OffsetAndMetadata(8), v1.offsets().get(P0));
        assertEquals(0, buffer.queued());
    }

    @Test
    void aVersionFarAheadIsDeadLetteredAndBlocksNothing() {
        SegmentBuffer buffer = new SegmentBuffer();
        // a segment 1,000 versions ahead (beyond MAX_AHEAD) at the head of partition 0, then the real stream
        Segment bogus = Bandit.play("t", 1000, null, 1, 4, 4, 0, new SplittableRandom(9)).get(0);
        buffer.add(SegmentBuffer.Entry.valid(P0, 0, bogus, new byte[] {7}));
        long[] next = {1, 0};
        for (SegmentBuffer.Entry e : stream()) {
            TopicPartition p = e.partition();
            int i = p.equals(P0) ? 0 : 1;
            buffer.add(SegmentBuffer.Entry.valid(p, next[i]++, e.segment()));
        }

        assertTrue(buffer.fill(0, TrainerMode.SYNC, 0, 32), "version 0's batch fills past the bogus segment");
        assertEquals(Set.of(P0, P1), buffer.blocked(0), "version 1, one ahead, still waits for its version");
        SegmentBuffer.Collected v0 = buffer.take();

        assertTrue(v0.segments().stream().allMatch(s -> s.getPolicyVersion() == 0));
        assertEquals(4, v0.futureDropped());
        assertEquals(1, v0.invalid().size());
        SegmentBuffer.Entry dead = v0.invalid().get(0);
        assertEquals(SegmentBuffer.FUTURE, dead.invalidReason());
        assertEquals(0, dead.offset());
        assertEquals(7, dead.invalidBytes()[0], "the original bytes go to the dead-letter topic");
        assertTrue(dead.invalidDetail().contains("version 1000"), dead.invalidDetail());
    }

    @Test
    void syncModeDropsStaleSamplesAndCommitsPastThem() {
        SegmentBuffer buffer = new SegmentBuffer();
        stream().forEach(buffer::add);

        // The trainer is already at version 1: every version-0 step is stale.
        assertTrue(buffer.fill(1, TrainerMode.SYNC, 5, 32));
        SegmentBuffer.Collected c = buffer.take();

        assertEquals(32, c.staleDropped());
        assertEquals(8, c.invalid().size(), "each stale segment is dead-lettered");
        assertTrue(c.invalid().stream().allMatch(e -> e.invalidReason().equals(SegmentBuffer.STALE)));
        assertEquals(32, c.steps());
        assertEquals(Map.of(P0, new OffsetAndMetadata(8), P1, new OffsetAndMetadata(8)), c.offsets());
    }

    @Test
    void asyncModeAcceptsSamplesWithinTheLag() {
        SegmentBuffer buffer = new SegmentBuffer();
        stream().forEach(buffer::add);

        assertTrue(buffer.fill(1, TrainerMode.ASYNC, 1, 64));
        SegmentBuffer.Collected c = buffer.take();

        assertEquals(0, c.staleDropped());
        assertEquals(64, c.steps());
    }

    @Test
    void incompleteBatchCommitsNothingYet() {
        SegmentBuffer buffer = new SegmentBuffer();
        stream().subList(0, 3).forEach(buffer::add);

        assertFalse(buffer.fill(0, TrainerMode.SYNC, 0, 32));
        buffer.add(SegmentBuffer.Entry.invalid(P0, 99, new byte[] {1}, "undecodable", "test"));
        assertFalse(buffer.fill(0, TrainerMode.SYNC, 0, 32));
        assertEquals(0, buffer.queued(), "the invalid record is consumed into the pending batch");
    }
}
