package dev.trpo.app.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trpo broker} as a real OS process: after transactions and a consumer group ran against it, SIGTERM stops
 * it within seconds, and a broker started again on its data folder still holds every committed record.
 */
class BrokerSigtermTest {

    @TempDir
    Path data;

    @Test
    void sigtermStopsTheBrokerWithinSecondsAndItsDataSurvives() throws Exception {
        Process broker = start("0");
        String bootstrap = bootstrapOf(broker);
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sigterm-test"), new StringSerializer(), new StringSerializer())) {
            p.initTransactions();
            for (int t = 0; t < 20; t++) {
                p.beginTransaction();
                for (int i = 0; i < 50; i++) {
                    p.send(new ProducerRecord<>("t", "k" + i, "v" + t));
                }
                p.commitTransaction();
            }
            p.beginTransaction();
            p.send(new ProducerRecord<>("t", "open", "left open"));
            p.flush();
            // the producer goes away with its transaction open, as a killed one's would
        }
        try (KafkaConsumer<String, String> c = consumer(bootstrap, "g")) {
            c.subscribe(List.of("t"));
            long seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen < 100 && System.nanoTime() < deadline) {
                seen += c.poll(Duration.ofMillis(200)).count();
            }
            c.commitSync(Map.of(new TopicPartition("t", 0), new OffsetAndMetadata(1)));
        }

        long t0 = System.nanoTime();
        broker.destroy(); // SIGTERM
        boolean stopped = broker.waitFor(30, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!stopped) {
            broker.destroyForcibly();
        }
        assertTrue(stopped, "trpo broker still running 30 s after SIGTERM");
        System.out.printf("broker stopped %.1f s after SIGTERM%n", seconds);

        Process again = start(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try {
            String bootstrap2 = bootstrapOf(again);
            try (KafkaConsumer<String, String> c = consumer(bootstrap2, null)) {
                List<TopicPartition> parts = List.of(new TopicPartition("t", 0), new TopicPartition("t", 1));
                c.assign(parts);
                c.seekToBeginning(parts);
                long n = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (n < 1000 && System.nanoTime() < deadline) {
                    n += c.poll(Duration.ofMillis(200)).count();
                }
                assertEquals(1000, n, "committed records after the restart");
            }
        } finally {
            again.destroy();
            assertTrue(again.waitFor(30, TimeUnit.SECONDS), "the restarted broker stops on SIGTERM too");
        }
    }

    private Process start(String port) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.trpo.app.Main", "broker",
                "--port", port, "--data-dir", data.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the child's output until its bootstrap line; the rest keeps draining on a daemon thread. */
    private static String bootstrapOf(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("bootstrap.servers=")) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe from filling
                        }
                    } catch (java.io.IOException e) {
                        // the process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return line.substring("bootstrap.servers=".length()).strip();
            }
        }
        throw new AssertionError("the broker exited before printing its address, exit " + p.waitFor());
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
        Map<String, Object> props = new java.util.HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }
}
