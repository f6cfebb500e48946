package dev.trpo.connectors.runtime;

import dev.trpo.kafka.embedded.EmbeddedKafka;
import dev.trpo.schemas.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;
import java.util.Map;

/**
 * Transitions per second published by one connector (async mode, so it never waits for a trainer) on
 * CartPole-v1 with a 64x64 policy to an in-process broker. Run with {@code bench/connector-throughput.sh}.
 *
 * <p>Arguments: actors (16), warm-up seconds (10), measured seconds (20), partitions (4).
 */
public final class ConnectorThroughputBench {

    private ConnectorThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int actors = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int warmupSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int measureSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, 0)) {
            Topics topics = Topics.forRun("bench");
            RuntimeFixtures.createTopics(kafka.bootstrapServers(), topics, partitions);
            RuntimeFixtures.publishPolicy(kafka.bootstrapServers(), topics, "CartPole-v1",
                    RuntimeFixtures.policyFor("CartPole-v1", new int[] {64, 64}, 0.0, 1L), 0);
            ConnectorConfig config = ConnectorConfig.of(topics.runId(), "CartPole-v1").withActors(actors)
                    .withMode(ConnectorMode.ASYNC);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (ConnectorRuntime runtime = new ConnectorRuntime(config, Map.of("bootstrap.servers",
                    kafka.bootstrapServers()), registry)) {
                runtime.start();
                Counter published = registry.get(ConnectorMetrics.TRANSITIONS).counter();
                Thread.sleep(warmupSeconds * 1000L);
                double before = published.count();
                long t0 = System.nanoTime();
                Thread.sleep(measureSeconds * 1000L);
                double after = published.count();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (runtime.failure() != null) {
                    throw new IllegalStateException("connector failed", runtime.failure());
                }
                System.out.printf(Locale.ROOT,
                        "connector-throughput env=CartPole-v1 policy=64x64 actors=%d partitions=%d cores=%d "
                                + "transitions_per_second=%.0f measured_seconds=%.1f%n",
                        actors, partitions, Runtime.getRuntime().availableProcessors(), (after - before) / seconds,
                        seconds);
            }
        }
    }
}
