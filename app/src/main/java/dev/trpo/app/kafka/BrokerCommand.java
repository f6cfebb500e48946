package dev.trpo.app.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.trpo.kafka.embedded.EmbeddedKafka;
import dev.trpo.schemas.HangingTransactions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trpo broker}: a real single-node Kafka broker (KRaft) on loopback until interrupted. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"A single-node Kafka broker (KRaft, 127.0.0.1) until interrupted.",
            "Runs a real Kafka broker in this process and prints its bootstrap address."})
public final class BrokerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerCommand.class);
    private static final long SWEEP_INTERVAL_MS = 5_000;

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1; 0 = any free port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Folder for the broker's data, kept across restarts (default: a temporary folder, deleted on exit).")
    Path dataDir;

    @Option(names = "--stop-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "On SIGTERM, the longest to wait for a clean stop before halting (default ${DEFAULT-VALUE}).")
    int stopTimeoutSeconds;

    @Option(names = "--abort-hanging-after", paramLabel = "SECONDS", defaultValue = "20",
            description = "Abort a hanging transaction (open on a partition, unknown to the coordinator: read_committed"
                    + " readers would wait for good) once it is idle this long; 0 = never (default ${DEFAULT-VALUE}).")
    int abortHangingAfterSeconds;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " is out of range: use 0 (any free port) or 1-65535");
        }
        if (abortHangingAfterSeconds < 0) {
            throw new IllegalArgumentException("--abort-hanging-after " + abortHangingAfterSeconds
                    + " is out of range: use 0 (never) or a number of seconds");
        }
        if (stopTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--stop-timeout " + stopTimeoutSeconds + " is out of range: use 1 or more seconds");
        }
        if (port != 0) {
            try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            } catch (java.io.IOException e) {
                throw new dev.trpo.app.cli.UsageException("--port " + port + " is in use on 127.0.0.1 (another broker?):"
                        + " stop it, or choose another port (--port 0 takes any free one)");
            }
        }
        EmbeddedKafka broker;
        try {
            broker = EmbeddedKafka.start(dataDir, port);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the broker on port " + port
                    + " (is the port in use? choose another with --port)", e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread closer = new Thread(broker::close, "trpo-broker-close");
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(TimeUnit.SECONDS.toMillis(stopTimeoutSeconds));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closer.isAlive()) {
                // the log is written to the page cache as it comes (no fsync is awaited), so halting loses nothing
                // that a crash would not; the next start recovers the data folder as after a crash
                System.err.println("broker did not stop within " + stopTimeoutSeconds + " s of SIGTERM: halting;"
                        + " the next start recovers " + broker.dataDir() + " as after a crash");
                System.err.flush();
                Runtime.getRuntime().halt(0);
            }
            stopped.countDown();
        }, "trpo-broker-shutdown"));
        if (abortHangingAfterSeconds > 0) {
            startHangingTransactionSweeper(broker, Duration.ofSeconds(abortHangingAfterSeconds));
        }
        System.out.println("bootstrap.servers=" + broker.bootstrapServers());
        System.out.println("broker started in " + broker.startMillis() + " ms, data in " + broker.dataDir()
                + "; Ctrl-C stops it");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Every 5 s, aborts the broker's hanging transactions ({@link HangingTransactions}); in a daemon thread. */
    private static void startHangingTransactionSweeper(EmbeddedKafka broker, Duration minAge) {
        Thread sweeper = new Thread(() -> {
            try (Admin admin = Admin.create(broker.clientProperties())) {
                HangingTransactions hanging = new HangingTransactions(admin, minAge);
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(SWEEP_INTERVAL_MS);
                    try {
                        hanging.sweep(System.currentTimeMillis());
                    } catch (ExecutionException | TimeoutException e) {
                        LOG.debug("hanging-transaction sweep failed; next in {} ms", SWEEP_INTERVAL_MS, e);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "trpo-broker-hanging-transactions");
        sweeper.setDaemon(true);
        sweeper.start();
    }
}
