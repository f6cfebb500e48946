package dev.trpo.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and aborts hanging transactions: a partition holds a producer's open transaction (its last stable offset
 * stops there, so every {@code read_committed} reader waits) while the transaction coordinator has no such
 * transaction going on. It is what {@code kafka-transactions.sh find-hanging} and {@code abort} do by hand.
 *
 * <p>Seen here after a SIGKILL of the single-node broker right after a commit: the coordinator recorded the commit
 * complete, the partitions never got its markers, and the run stood still for good. Aborting is the way out Kafka
 * offers (the admin API writes abort markers, not commit markers): the transaction's records become invisible, and
 * its producer, which believes them committed, must notice that its commit is not there and write them again (the
 * connector does: it compares its checkpoints with the committed ones). {@code trpo broker} sweeps its own; the
 * trainer names the ones on its inputs when a batch stalls.
 *
 * <p>A transaction is only taken for hanging when the coordinator knows no ongoing transaction of its producer that
 * includes the partition (a slow live one is the coordinator's business: it aborts it after its timeout), and its
 * last write is older than {@code minAge}.
 */
public final class HangingTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    private static final long TIMEOUT_S = 30;

    /** An open transaction on one partition, as the partition sees it. */
    public record Open(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch,
                       long startOffset, long lastWriteMs) {
        /** One line: where it is and the operator's command that clears it. */
        public String describe(long nowMs) {
            return String.format(java.util.Locale.ROOT, "%s from offset %d (producer %d epoch %d, idle %d s; clear it"
                    + " with kafka-transactions.sh abort --topic %s --partition %d --start-offset %d)", partition, startOffset,
                    producerId, producerEpoch, (nowMs - lastWriteMs) / 1000, partition.topic(), partition.partition(),
                    startOffset);
        }
    }

    private final Admin admin;
    private final Duration minAge;

    /**
     * @param admin  a client allowed to describe every topic and producer and to write transaction markers (the
     *               broker's own, or an operator's)
     * @param minAge how old a partition's last write of the transaction must be before it may count as hanging
     */
    public HangingTransactions(Admin admin, Duration minAge) {
        this.admin = admin;
        this.minAge = minAge;
    }

    /** The hanging transactions of every topic, now. */
    public List<Open> find(long nowMs) throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(false)).names().get(TIMEOUT_S, TimeUnit.SECONDS);
        return find(partitions(admin, topics), nowMs);
    }

    /** Every partition of {@code topics}. */
    public static List<TopicPartition> partitions(Admin admin, java.util.Collection<String> topics)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
        }
        return partitions;
    }

    /**
     * Every transaction open on {@code partitions}, as the partitions see them (live or hanging; describing them
     * needs Read on their topics).
     */
    public List<Open> open(java.util.Collection<TopicPartition> partitions)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        List<Open> open = new ArrayList<>();
        admin.describeProducers(List.copyOf(partitions)).all().get(TIMEOUT_S, TimeUnit.SECONDS).forEach((tp, desc) -> {
            for (ProducerState p : desc.activeProducers()) {
                if (p.currentTransactionStartOffset().isPresent()) {
                    open.add(new Open(tp, p.producerId(), p.producerEpoch(), p.coordinatorEpoch().orElse(-1),
                            p.currentTransactionStartOffset().getAsLong(), p.lastTimestamp()));
                }
            }
        });
        return open;
    }

    /** The hanging transactions on {@code partitions}, now (describing them needs Read on their topics). */
    public List<Open> find(java.util.Collection<TopicPartition> partitions, long nowMs)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        List<Open> open = new ArrayList<>(open(partitions));
        open.removeIf(o -> nowMs - o.lastWriteMs() < minAge.toMillis());
        if (open.isEmpty()) {
            return List.of();
        }
        Map<Long, String> idOfProducer = new HashMap<>();
        for (TransactionListing t : admin.listTransactions().all().get(TIMEOUT_S, TimeUnit.SECONDS)) {
            idOfProducer.put(t.producerId(), t.transactionalId());
        }
        List<String> ids = open.stream().map(o -> idOfProducer.get(o.producerId())).filter(java.util.Objects::nonNull)
                .distinct().toList();
        Map<String, TransactionDescription> described = ids.isEmpty() ? Map.of()
                : admin.describeTransactions(ids).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        List<Open> hanging = new ArrayList<>();
        for (Open o : open) {
            TransactionDescription t = described.get(idOfProducer.get(o.producerId()));
            boolean live = t != null && t.producerId() == o.producerId()
                    && (t.state() == TransactionState.PREPARE_COMMIT || t.state() == TransactionState.PREPARE_ABORT
                        || t.state() == TransactionState.ONGOING && t.topicPartitions().contains(o.partition()));
            if (!live) {
                hanging.add(o);
            }
        }
        return hanging;
    }

    /** Aborts {@code o} on its partition (abort markers written through the admin API). */
    public void abort(Open o) throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        admin.abortTransaction(new AbortTransactionSpec(o.partition(), o.producerId(), (short) o.producerEpoch(),
                o.coordinatorEpoch())).all().get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** Finds and aborts the hanging transactions once; each is logged as a WARN. */
    public int sweep(long nowMs) throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        int aborted = 0;
        for (Open o : find(nowMs)) {
            LOG.warn("hanging transaction partition={} producer_id={} epoch={} start_offset={} idle_s={}: no ongoing"
                    + " transaction of its producer at the coordinator, so read_committed readers would wait for good;"
                    + " aborting it (its producer must write it again)", o.partition(), o.producerId(), o.producerEpoch(),
                    o.startOffset(), (nowMs - o.lastWriteMs()) / 1000);
            abort(o);
            aborted++;
        }
        return aborted;
    }
}
