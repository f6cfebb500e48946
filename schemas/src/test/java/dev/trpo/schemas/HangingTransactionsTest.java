package dev.trpo.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.kafka.embedded.EmbeddedKafka;

/**
 * {@link HangingTransactions} on the data folder of a real broker left with a hanging transaction: bench/chaos.sh
 * SIGKILLed {@code trpo broker} right after the connector's commit of version 43, and after the restart the
 * coordinator held the transaction complete while its two partitions (transitions and checkpoints) had no markers:
 * their last stable offset stayed at the transaction's first offset for good. The folder (the big topics removed)
 * is in {@code hanging-transaction/broker.tar.gz}.
 */
class HangingTransactionsTest {
    private static final TopicPartition TRANSITIONS = new TopicPartition("trpo.chaos-s1.transitions", 0);
    private static final TopicPartition CHECKPOINTS = new TopicPartition("trpo.chaos-s1.checkpoints", 0);

    @TempDir
    Path tmp;

    @Test
    void theHangingTransactionOfTheChaosRunIsFoundAndAbortedAndALiveOneIsLeftAlone() throws Exception {
        Path data = unpack();
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, 0);
             Admin admin = Admin.create(broker.clientProperties())) {
            // as the run left it: read_committed readers stop at the transaction's first offset
            assertEquals(22059, offset(admin, TRANSITIONS, IsolationLevel.READ_COMMITTED));
            assertEquals(22571, offset(admin, TRANSITIONS, IsolationLevel.READ_UNCOMMITTED));

            // a live transaction of another producer, open (and pretended old below): the coordinator knows it
            admin.createTopics(List.of(new NewTopic("live", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> live = new KafkaProducer<>(Map.of("bootstrap.servers",
                    broker.bootstrapServers(), "transactional.id", "live-one"), new StringSerializer(), new StringSerializer())) {
                live.initTransactions();
                live.beginTransaction();
                live.send(new ProducerRecord<>("live", "k", "v")).get(30, TimeUnit.SECONDS);

                long inAnHour = System.currentTimeMillis() + 3_600_000;
                HangingTransactions hanging = new HangingTransactions(admin, Duration.ofSeconds(20));
                Set<TopicPartition> found = hanging.find(inAnHour).stream().map(HangingTransactions.Open::partition)
                        .collect(Collectors.toSet());
                assertEquals(Set.of(TRANSITIONS, CHECKPOINTS), found, "the chaos run's, not the live one");
                List<HangingTransactions.Open> onTransitions = hanging.find(List.of(TRANSITIONS), inAnHour);
                assertEquals(1, onTransitions.size(), "the trainer's look at its inputs");
                assertTrue(onTransitions.get(0).describe(inAnHour).contains("kafka-transactions.sh abort --topic"
                        + " trpo.chaos-s1.transitions --partition 0 --start-offset 22059"), onTransitions.get(0).describe(inAnHour));
                assertEquals(List.of(), new HangingTransactions(admin, Duration.ofDays(3650)).find(System.currentTimeMillis()),
                        "none is older than ten years");

                assertEquals(2, hanging.sweep(System.currentTimeMillis()));
                assertEquals(22572, offset(admin, TRANSITIONS, IsolationLevel.READ_COMMITTED), "past the abort marker");
                assertEquals(offset(admin, CHECKPOINTS, IsolationLevel.READ_UNCOMMITTED),
                        offset(admin, CHECKPOINTS, IsolationLevel.READ_COMMITTED));
                assertEquals(List.of(), hanging.find(inAnHour), "nothing hangs any more, and the live one never did");
                live.commitTransaction();
            }
        }
    }

    private Path unpack() throws Exception {
        Path archive = tmp.resolve("broker.tar.gz");
        try (InputStream in = getClass().getResourceAsStream("/hanging-transaction/broker.tar.gz")) {
            Files.copy(in, archive);
        }
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", tmp.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar xzf");
        return tmp.resolve("broker");
    }

    private static long offset(Admin admin, TopicPartition tp, IsolationLevel isolation) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).all()
                .get(30, TimeUnit.SECONDS).get(tp).offset();
    }
}
