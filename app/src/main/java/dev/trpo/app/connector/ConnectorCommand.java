package dev.trpo.app.connector;

import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.app.cli.MetricsOptions;
import dev.trpo.app.cli.PolicyKeyOptions;
import dev.trpo.app.cli.UsageException;
import dev.trpo.app.http.Observability;
import dev.trpo.connectors.runtime.ConnectorConfig;
import dev.trpo.connectors.runtime.ConnectorMode;
import dev.trpo.connectors.runtime.ConnectorRuntime;
import dev.trpo.schemas.signing.SnapshotVerifier;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trpo connector}: runs N actors of one environment for a run, following its policies topic and
 * publishing transitions, until SIGTERM (which flushes every record already sent) or {@code --max-steps}.
 */
@Command(name = "connector", mixinStandardHelpOptions = true,
        description = {"Actors: step environments with the policy, publish transitions.",
            "Steps environments with the run's newest policy and publishes one transition per step."})
public final class ConnectorCommand implements Callable<Integer> {

    @Option(names = "--run-id", required = true, defaultValue = "${env:TRPO_RUN_ID}",
            description = "The run whose topics are read and written (env TRPO_RUN_ID).")
    String runId;

    @Option(names = "--env", required = true, defaultValue = "${env:TRPO_CONNECTOR_ENV}",
            description = "The environment id, see 'trpo env list' (env TRPO_CONNECTOR_ENV).")
    String envId;

    @Option(names = "--actors", defaultValue = "${env:TRPO_CONNECTOR_ACTORS:-" + ConnectorConfig.DEFAULT_ACTORS + "}",
            description = "Environment instances stepped in lockstep (default ${DEFAULT-VALUE}).")
    int actors;

    @Option(names = "--seed", defaultValue = "${env:TRPO_CONNECTOR_SEED:-0}",
            description = "Seed of initial states and action sampling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps-per-version",
            defaultValue = "${env:TRPO_CONNECTOR_STEPS_PER_VERSION:-" + ConnectorConfig.DEFAULT_STEPS_PER_VERSION + "}",
            description = "Sync mode: steps each actor takes under one policy version (default ${DEFAULT-VALUE}).")
    int stepsPerVersion;

    @Option(names = "--mode", defaultValue = "${env:TRPO_CONNECTOR_MODE:-sync}",
            description = "sync (on-policy: wait for the next version) or async (never wait) (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--async-max-steps-per-version",
            defaultValue = "${env:TRPO_CONNECTOR_ASYNC_MAX_STEPS_PER_VERSION:-0}",
            description = "Async mode: steps each actor takes under one version before it waits for a newer one; "
                    + "0 never waits. Set it to steps-per-version x (trainer max-policy-lag + 1) for fast "
                    + "simulators, so no sample arrives too stale to train on (default ${DEFAULT-VALUE}).")
    long asyncMaxStepsPerVersion;

    @Option(names = "--actor-id-prefix",
            defaultValue = "${env:TRPO_CONNECTOR_ACTOR_ID_PREFIX:-" + ConnectorConfig.DEFAULT_ACTOR_ID_PREFIX + "}",
            description = "Actor ids are <prefix>-<index>; give each replica its own (default ${DEFAULT-VALUE}).")
    String actorIdPrefix;

    @Option(names = "--first-actor", defaultValue = "${env:TRPO_CONNECTOR_FIRST_ACTOR:-0}",
            description = "Index of this process's first actor: its actors are <prefix>-<first> .. <prefix>-<first + actors - 1>,"
                    + " each acting as it would in one process holding them all, so a run's actors can be spread over"
                    + " processes (default ${DEFAULT-VALUE}).")
    int firstActor;

    @Option(names = "--max-steps", defaultValue = "${env:TRPO_CONNECTOR_MAX_STEPS:-0}",
            description = "Stop after this many steps per actor; 0 runs until stopped (default ${DEFAULT-VALUE}).")
    long maxSteps;

    @Option(names = "--commit-interval-ms",
            defaultValue = "${env:TRPO_CONNECTOR_COMMIT_INTERVAL_MS:-" + ConnectorConfig.DEFAULT_COMMIT_INTERVAL_MS + "}",
            description = "The longest the actors step between two commits of their steps and checkpoints, when they"
                    + " close no version sooner: what a crash costs them at most (default ${DEFAULT-VALUE}).")
    long commitIntervalMs;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    PolicyKeyOptions policyKey;

    @Override
    public Integer call() throws Exception {
        ConnectorMode connectorMode = switch (mode == null ? "" : mode.strip().toLowerCase(Locale.ROOT)) {
            case "sync" -> ConnectorMode.SYNC;
            case "async" -> ConnectorMode.ASYNC;
            default -> throw new UsageException("--mode must be sync or async, got '" + mode + "'");
        };
        ConnectorConfig config = new ConnectorConfig(runId, envId, actors, seed, stepsPerVersion, connectorMode,
                actorIdPrefix, maxSteps, asyncMaxStepsPerVersion, commitIntervalMs, firstActor);
        SnapshotVerifier verifier = policyKey.verifier();
        try (Observability observability = Observability.start(metrics.metricsPort());
             ConnectorRuntime runtime = new ConnectorRuntime(config, kafka.reachableClientProperties(),
                     observability.registry(), verifier)) {
            Thread hook = new Thread(runtime::close, "trpo-connector-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            observability.setReady(runtime::isRunning);
            runtime.start();
            while (!runtime.awaitTermination(1, TimeUnit.SECONDS)) {
                // runs until SIGTERM (the hook closes the runtime), --max-steps, or a failure
            }
            runtime.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            Throwable failure = runtime.failure();
            if (failure != null) {
                throw new IllegalStateException("connector stopped: " + failure.getMessage(), failure);
            }
        }
        return 0;
    }
}
