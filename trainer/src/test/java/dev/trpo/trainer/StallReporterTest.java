package dev.trpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trpo.schemas.Segment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A batch that cannot fill is reported within the timeout, naming the missing actors, and counted. */
class StallReporterTest {
    private static final TopicPartition P0 = new TopicPartition("trpo.t.segments", 0);

    @Test
    void aBatchMissingAnActorIsReportedAfterTheTimeoutWithThatActorNamed() {
        AtomicLong clock = new AtomicLong();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TrainerMetrics metrics = new TrainerMetrics(registry, "t", "Bandit-v0");
        StallReporter stalls = new StallReporter("t", "trpo.t.dlq", TimeUnit.SECONDS.toNanos(30), clock::get, metrics);
        List<String> heard = new ArrayList<>();
        stalls.onStall(heard::add);
        SegmentBuffer buffer = new SegmentBuffer();
        // version 0: actors 0-3 gave their steps; version 1: actor-3 is gone (its process crashed)
        long offset = 0;
        for (Segment s : Bandit.play("t", 1, null, 4, 8, 4, 8, new SplittableRandom(1))) {
            stalls.seen(s.getActorId());
            if (!s.getActorId().equals("actor-3")) {
                buffer.add(SegmentBuffer.Entry.valid(P0, offset++, s));
            }
        }
        assertTrue(!buffer.fill(1, TrainerMode.SYNC, 0, 32), "24 of 32 steps: the batch cannot fill");

        clock.set(TimeUnit.SECONDS.toNanos(29));
        assertNull(stalls.check(1, buffer, 32), "not before the timeout");
        clock.set(TimeUnit.SECONDS.toNanos(31));
        String line = stalls.check(1, buffer, 32);

        assertNotNull(line, "reported after the timeout");
        assertTrue(line.contains("silent_since_seen=[actor-3]"), line);
        assertTrue(line.contains("samples=24 of 32"), line);
        assertEquals(List.of(line), heard, "listeners hear it");
        assertEquals(1.0, registry.get(TrainerMetrics.STALLS).counter().count());
        assertEquals(31.0, registry.get(TrainerMetrics.BATCH_WAIT).gauge().value(), 1e-9);
        clock.set(TimeUnit.SECONDS.toNanos(40));
        assertNull(stalls.check(1, buffer, 32), "once per timeout");
        clock.set(TimeUnit.SECONDS.toNanos(62));
        assertNotNull(stalls.check(1, buffer, 32), "again while it lasts");

        stalls.published();
        clock.set(TimeUnit.SECONDS.toNanos(80));
        assertNull(stalls.check(2, buffer, 32), "a published version starts the wait again");
        assertEquals(0.0, registry.get(TrainerMetrics.BATCH_WAIT).gauge().value() - 18.0, 1e-9);
    }

    @Test
    void aHangingTransactionOnTheInputsIsNamedAsTheReason() {
        AtomicLong clock = new AtomicLong();
        StallReporter stalls = new StallReporter("t", "trpo.t.dlq", TimeUnit.SECONDS.toNanos(30), clock::get,
                new TrainerMetrics(new SimpleMeterRegistry(), "t", "Bandit-v0"));
        stalls.seen("actor-0");
        stalls.hangingTransactions(() -> List.of("trpo.t.transitions-0 from offset 22059 (...)"));
        clock.set(TimeUnit.SECONDS.toNanos(31));
        String line = stalls.check(1, new SegmentBuffer(), 32);
        assertTrue(line.contains("hanging transactions hold back every read_committed reader of"
                + " [trpo.t.transitions-0 from offset 22059 (...)]"), line);
    }
}
