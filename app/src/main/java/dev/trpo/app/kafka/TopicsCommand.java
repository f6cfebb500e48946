package dev.trpo.app.kafka;

import java.util.List;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;

import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.schemas.TopicProvisioner;
import dev.trpo.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trpo topics create}: the run's topics with their configs; idempotent. */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "Manage a run's topics.",
        subcommands = TopicsCommand.Create.class)
public final class TopicsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** {@code trpo topics create --run-id ID}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create trpo.<run-id>.{transitions,segments,episodes,policies,policy-history,dlq}; existing topics are left alone.")
    public static final class Create implements Callable<Integer> {
        @Option(names = "--run-id", required = true, defaultValue = "${env:TRPO_RUN_ID}", description = "The run's id (env TRPO_RUN_ID).")
        String runId;

        @Option(names = "--partitions", defaultValue = "${env:TRPO_PARTITIONS:-4}",
                description = "Partitions of the transitions, segments, episodes and dlq topics (default ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "${env:TRPO_REPLICATION_FACTOR:-1}",
                description = "Replicas per topic (default ${DEFAULT-VALUE}).")
        short replicationFactor;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws Exception {
            Topics topics = Topics.forRun(runId);
            try (Admin admin = Admin.create(KafkaAdmin.withTimeouts(kafka.reachableClientProperties()))) {
                List<TopicProvisioner.Outcome> outcomes = TopicProvisioner.createAll(admin, topics, partitions, replicationFactor);
                long created = outcomes.stream().filter(TopicProvisioner.Outcome::created).count();
                for (TopicProvisioner.Outcome o : outcomes) {
                    System.out.printf("%-48s partitions=%-4d %s%n", o.topic(), o.partitions(), o.created() ? "created" : "exists, unchanged");
                }
                System.out.println(created == 0 ? "nothing to do: every topic of run " + runId + " exists"
                        : "created " + created + " of " + outcomes.size() + " topics for run " + runId);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new dev.trpo.app.cli.UsageException("no answer from Kafka at " + kafka.bootstrapServers()
                        + " within 30 s: check --bootstrap-servers and --kafka-config");
            }
            return 0;
        }
    }
}
