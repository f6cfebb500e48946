package dev.trpo.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the topics of a run; idempotent: topics that exist are left as they are and reported. */
public final class TopicProvisioner {
    /** What happened to one topic. */
    public record Outcome(String topic, int partitions, boolean created) {
    }

    private TopicProvisioner() {
    }

    /**
     * Creates every topic of the run that does not exist yet.
     *
     * @param partitions partitions of the transitions, segments, episodes and dlq topics; the policy topics get one
     * @param replicationFactor replicas of every topic (1 on a single broker)
     */
    public static List<Outcome> createAll(Admin admin, Topics topics, int partitions, short replicationFactor)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (partitions < 1 || partitions > 10_000) {
            throw new IllegalArgumentException("partitions " + partitions + " is out of range: use 1 to 10000");
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " is out of range: use 1 or more");
        }
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<Outcome> outcomes = new ArrayList<>();
        List<NewTopic> toCreate = new ArrayList<>();
        for (TopicSpec<?, ?> spec : topics.all()) {
            int n = topics.isPartitioned(spec) ? partitions : 1;
            if (existing.contains(spec.name())) {
                int actual = admin.describeTopics(List.of(spec.name())).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(spec.name()).partitions().size();
                outcomes.add(new Outcome(spec.name(), actual, false));
            } else {
                toCreate.add(new NewTopic(spec.name(), n, replicationFactor).configs(Map.copyOf(spec.configs())));
                outcomes.add(new Outcome(spec.name(), n, true));
            }
        }
        if (!toCreate.isEmpty()) {
            try {
                admin.createTopics(toCreate).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            awaitLeaders(admin, toCreate.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));
        }
        return outcomes;
    }

    /**
     * Waits until every partition of {@code names} answers a ListOffsets request from its leader, which a broker
     * does only once it has applied the partition's creation. Producing earlier can lose data: an idempotent
     * producer's first request is refused (NOT_LEADER_OR_FOLLOWER) while a later one is appended, after which the
     * first can never be written (KAFKA-15591, fixed in brokers newer than 4.3).
     */
    static void awaitLeaders(Admin admin, List<String> names, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        while (true) {
            try {
                if (request.isEmpty()) {
                    for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                        for (TopicPartitionInfo p : d.partitions()) {
                            request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                        }
                    }
                }
                admin.listOffsets(request).all().get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
