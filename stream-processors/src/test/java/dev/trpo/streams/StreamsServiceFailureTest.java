package dev.trpo.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/** Which stream-thread failures the service retries (replaces the thread) and which stop it. */
class StreamsServiceFailureTest {

    @Test
    void theBrokersAbsenceIsRetried() {
        // what the stream processors died of while the broker was away for a minute
        assertTrue(StreamsService.isTransient(new StreamsException(new KafkaException(
                "The client hasn't received acknowledgment for some previously sent messages and can no longer retry"
                        + " them. ... the previous call to commitTransaction timed out"))));
        assertTrue(StreamsService.isTransient(new StreamsException(new TimeoutException("Expiring 3 record(s)"))));
        // what the broker away for 59 s left behind (bench/chaos.sh): the thread's producer after a timed-out commit
        assertTrue(StreamsService.isTransient(new StreamsException("Error encountered trying to commit a transaction",
                new org.apache.kafka.common.errors.InvalidTxnStateException("invalid state"))));
    }

    @Test
    void authorisationFencingAndBugsStopTheClient() {
        assertFalse(StreamsService.isTransient(new StreamsException(new TopicAuthorizationException("denied"))));
        assertFalse(StreamsService.isTransient(new StreamsException(new FencedInstanceIdException("same id"))));
        assertFalse(StreamsService.isTransient(new StreamsException(new IllegalStateException("a bug"))));
    }
}
