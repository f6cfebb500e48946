package dev.trpo.streams;

import static dev.trpo.streams.TopologyFixture.header;
import static dev.trpo.streams.TopologyFixture.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentStep;
import dev.trpo.schemas.Transition;

/** Every dead-letter reason, its headers and metric, and that the next good record is still processed. */
class DeadLetterTest {
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

    /** Sends a bad record between two good steps; returns its single dead letter after checking the good ones went on. */
    private TestRecord<byte[], byte[]> rejectedBetweenGoodSteps(Runnable sendBad, String reason) {
        f.send(step("a", 0, 0));
        sendBad.run();
        f.send(step("a", 0, 1).setTerminated(true));

        List<TestRecord<byte[], byte[]>> letters = f.deadLetters();
        assertEquals(1, letters.size(), "dead letters");
        TestRecord<byte[], byte[]> letter = letters.get(0);
        assertEquals(reason, header(letter, DlqHeaders.REASON));
        assertEquals(f.settings.topics().transitions().name(), header(letter, DlqHeaders.SOURCE_TOPIC));
        assertEquals("0", header(letter, DlqHeaders.SOURCE_PARTITION));
        assertEquals("1", header(letter, DlqHeaders.SOURCE_OFFSET), "the bad record was the second on the partition");
        assertTrue(!header(letter, DlqHeaders.DETAIL).isEmpty(), "a detail is given");
        assertEquals(1.0, f.count(StreamsMeters.DLQ_RECORDS, "reason", reason));

        List<Segment> segments = f.segments();
        assertEquals(1, segments.size(), "the next good record is still processed");
        assertEquals(List.of(0, 1), segments.get(0).getSteps().stream().map(SegmentStep::getStep).toList());
        return letter;
    }

    private void sendBad(Transition.Builder bad) {
        Transition t = bad.build();
        f.transitions.pipeInput(t.getActorId(), t);
    }

    /*
     * TopologyTestDriver calls the deserialization handler but drops the dead-letter records it returns (they are
     * sent outside the driver's captured transaction), so these two pin the count and the resumption; the
     * dead letter of undecodable bytes, headers included, is checked on the real broker in StreamsServiceIT.
     */
    private void undecodableBetweenGoodSteps(byte[] bad) {
        f.send(step("a", 0, 0));
        f.rawTransitions.pipeInput("a".getBytes(StandardCharsets.UTF_8), bad);
        f.send(step("a", 0, 1).setTerminated(true));

        assertEquals(1.0, f.count(StreamsMeters.DLQ_RECORDS, "reason", "undecodable"));
        List<Segment> segments = f.segments();
        assertEquals(1, segments.size(), "the next good record is still processed");
        assertEquals(List.of(0, 1), segments.get(0).getSteps().stream().map(SegmentStep::getStep).toList());
    }

    @Test
    void undecodableBytesAreCountedAndSkipped() {
        undecodableBetweenGoodSteps("not avro".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void truncatedAvroBodyIsUndecodable() {
        byte[] good = f.settings.topics().transitions().valueSerde().serializer().serialize("t", step("a", 0, 1).build());
        undecodableBetweenGoodSteps(java.util.Arrays.copyOf(good, good.length - 20));
    }

    @Test
    void nanRewardIsDeadLetteredAsNonFinite() {
        TestRecord<byte[], byte[]> letter = rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setReward(Double.NaN)), "non-finite");
        Transition original = f.settings.topics().transitions().valueSerde().deserializer().deserialize("t", letter.value());
        assertTrue(Double.isNaN(original.getReward()), "the original record is kept");
    }

    @Test
    void infiniteLearningRewardIsDeadLetteredAsNonFinite() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setLearningReward(Double.NEGATIVE_INFINITY)), "non-finite");
    }

    @Test
    void infiniteObservationIsDeadLetteredAsNonFinite() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setObservation(List.of(0.0, Double.POSITIVE_INFINITY, 0.0, 0.0))), "non-finite");
    }

    @Test
    void wrongObservationSizeIsDeadLettered() {
        TestRecord<byte[], byte[]> letter = rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setObservation(List.of(0.0, 0.0, 0.0))), "wrong-size");
        String detail = header(letter, DlqHeaders.DETAIL);
        assertTrue(detail.contains("3") && detail.contains("4"), "names both sizes: " + detail);
    }

    @Test
    void continuousActionInADiscreteEnvironmentIsWrongSize() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setDiscreteAction(null).setContinuousAction(List.of(0.5))), "wrong-size");
    }

    @Test
    void actionIndexOutOfRangeIsInvalid() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setDiscreteAction(2)), "invalid");
    }

    @Test
    void truncatedStepWithoutBootstrapValueIsInvalid() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setTruncated(true)), "invalid");
    }

    @Test
    void transitionOfAnotherRunIsInvalid() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 1).setRunId("other")), "invalid");
    }

    @Test
    void duplicateStepIsDroppedCountedAndDeadLettered() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 0)), "duplicate");
        assertEquals(1.0, f.count(StreamsMeters.DUPLICATES));
        assertEquals(2.0, f.count(StreamsMeters.TRANSITIONS), "the duplicate is not accepted");
    }

    @Test
    void stepAfterAGapIsDeadLetteredAsOutOfOrder() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 0, 2)), "out-of-order");
    }

    @Test
    void laterEpisodeNotStartingAtStepZeroIsOutOfOrder() {
        rejectedBetweenGoodSteps(() -> sendBad(step("a", 3, 5)), "out-of-order");
    }

    @Test
    void stepOfAnEndedEpisodeIsOutOfOrder() {
        f.send(step("a", 0, 0).setTerminated(true));
        sendBad(step("a", 0, 1));

        assertEquals("out-of-order", header(f.deadLetters().get(0), DlqHeaders.REASON));
    }
}
