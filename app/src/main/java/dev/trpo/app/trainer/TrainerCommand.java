package dev.trpo.app.trainer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.app.cli.MetricsOptions;
import dev.trpo.app.cli.SigningKeyOptions;
import dev.trpo.app.cli.UsageException;
import dev.trpo.app.eval.PeriodicEvaluation;
import dev.trpo.app.http.Observability;
import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.trainer.EnvSpec;
import dev.trpo.trainer.Hyperparameters;
import dev.trpo.trainer.TrainerService;
import dev.trpo.trainer.TrainerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trpo trainer}: the trainer of one run against any Kafka cluster, until SIGTERM or {@code --max-versions}.
 * Hyper-parameters come, later winning, from sb3-contrib's defaults, the environment's Zoo preset, {@code --config
 * FILE} (dotted keys {@code trpo.trainer.*}), environment variables {@code TRPO_TRAINER_*} and flags; each flag is
 * its key without {@code trpo.trainer.}, dots turned into dashes.
 */
@Command(name = "trainer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trainer: TRPO updates on segments, policies published exactly once.",
            "Batches segments, makes trust-region updates and publishes versioned policies exactly once."})
public final class TrainerCommand implements Callable<Integer> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainerCommand.class);
    /** Exit code when another trainer of the same run took over. */
    public static final int EXIT_FENCED = 3;

    @Option(names = "--run-id", required = true, defaultValue = "${env:TRPO_RUN_ID}",
            description = "The run whose segments are read and policies written (env TRPO_RUN_ID).")
    String runId;

    @Option(names = "--env", required = true, defaultValue = "${env:TRPO_TRAINER_ENV}",
            description = "The environment id, see 'trpo env list' (env TRPO_TRAINER_ENV).")
    String envId;

    @Option(names = "--seed", defaultValue = "${env:TRPO_TRAINER_SEED:-0}",
            description = "Seed of version 0 and of every update's randomness; a resumed run keeps its own (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:TRPO_TRAINER_CONFIG}",
            description = "A properties file of hyper-parameters, keys trpo.trainer.* (env TRPO_TRAINER_CONFIG).")
    Path config;

    @Option(names = "--max-versions", defaultValue = "${env:TRPO_TRAINER_MAX_VERSIONS:-0}",
            description = "Stop after publishing this version; 0 runs until stopped (default ${DEFAULT-VALUE}).")
    long maxVersions;

    @Option(names = "--batch-steps", defaultValue = "${env:TRPO_TRAINER_BATCH_STEPS}",
            description = "Environment steps per update (Zoo preset, else 2048).")
    String batchSteps;

    @Option(names = "--mode", defaultValue = "${env:TRPO_TRAINER_MODE}",
            description = "sync: only samples of the current version; async: up to --max-policy-lag versions old (default sync).")
    String mode;

    @Option(names = "--max-policy-lag", defaultValue = "${env:TRPO_TRAINER_MAX_POLICY_LAG}",
            description = "Async mode: how many versions old a sample may be (default 1).")
    String maxPolicyLag;

    @Option(names = "--gamma", defaultValue = "${env:TRPO_TRAINER_GAMMA}",
            description = "Discount, recorded for the stream processors' GAE (Zoo preset, else 0.99).")
    String gamma;

    @Option(names = "--gae-lambda", defaultValue = "${env:TRPO_TRAINER_GAE_LAMBDA}",
            description = "GAE lambda, recorded for the stream processors (Zoo preset, else 0.95).")
    String gaeLambda;

    @Option(names = "--max-kl", defaultValue = "${env:TRPO_TRAINER_MAX_KL}",
            description = "Trust-region radius on the mean KL (default 0.01).")
    String maxKl;

    @Option(names = "--cg-damping", defaultValue = "${env:TRPO_TRAINER_CG_DAMPING}",
            description = "Damping added to the Fisher in CG (Zoo preset, else 0.1).")
    String cgDamping;

    @Option(names = "--cg-max-iterations", defaultValue = "${env:TRPO_TRAINER_CG_MAX_ITERATIONS}",
            description = "Conjugate-gradient iterations (default 15).")
    String cgMaxIterations;

    @Option(names = "--cg-residual-tolerance", defaultValue = "${env:TRPO_TRAINER_CG_RESIDUAL_TOLERANCE}",
            description = "CG stops when |r|^2 falls below this (default 1e-10).")
    String cgResidualTolerance;

    @Option(names = "--line-search-shrink", defaultValue = "${env:TRPO_TRAINER_LINE_SEARCH_SHRINK}",
            description = "Backtracking factor of the line search (default 0.8).")
    String lineSearchShrink;

    @Option(names = "--line-search-max-iterations", defaultValue = "${env:TRPO_TRAINER_LINE_SEARCH_MAX_ITERATIONS}",
            description = "Line-search tries (default 10).")
    String lineSearchMaxIterations;

    @Option(names = "--kl-convention", defaultValue = "${env:TRPO_TRAINER_KL_CONVENTION}",
            description = "paper or sb3 step scaling and acceptance (default sb3, as sb3-contrib).")
    String klConvention;

    @Option(names = "--fisher-subsample", defaultValue = "${env:TRPO_TRAINER_FISHER_SUBSAMPLE}",
            description = "Fraction of the batch used for Fisher-vector products (default 1).")
    String fisherSubsample;

    @Option(names = "--normalize-advantages", defaultValue = "${env:TRPO_TRAINER_NORMALIZE_ADVANTAGES}",
            description = "Normalise advantages per batch: true or false (default true).")
    String normalizeAdvantages;

    @Option(names = "--critic-learning-rate", defaultValue = "${env:TRPO_TRAINER_CRITIC_LEARNING_RATE}",
            description = "Critic Adam step size (default 1e-3).")
    String criticLearningRate;

    @Option(names = "--critic-eps", defaultValue = "${env:TRPO_TRAINER_CRITIC_EPS}",
            description = "Critic Adam epsilon (default 1e-5).")
    String criticEps;

    @Option(names = "--critic-epochs", defaultValue = "${env:TRPO_TRAINER_CRITIC_EPOCHS}",
            description = "Critic passes over the batch per update (Zoo preset, else 10).")
    String criticEpochs;

    @Option(names = "--critic-minibatch-size", defaultValue = "${env:TRPO_TRAINER_CRITIC_MINIBATCH_SIZE}",
            description = "Critic minibatch (Zoo preset, else 128).")
    String criticMinibatchSize;

    @Option(names = "--network-hidden-sizes", defaultValue = "${env:TRPO_TRAINER_NETWORK_HIDDEN_SIZES}",
            description = "Hidden sizes of the actor and of the separate critic, e.g. 64,64 (default).")
    String hiddenSizes;

    @Option(names = "--network-activation", defaultValue = "${env:TRPO_TRAINER_NETWORK_ACTIVATION}",
            description = "tanh, relu or identity (default tanh).")
    String activation;

    @Option(names = "--network-log-std-init", defaultValue = "${env:TRPO_TRAINER_NETWORK_LOG_STD_INIT}",
            description = "Initial log-std of a continuous policy (default 0).")
    String logStdInit;

    @Option(names = "--observation-normalizer-enabled", defaultValue = "${env:TRPO_TRAINER_OBSERVATION_NORMALIZER_ENABLED}",
            description = "Keep a running observation normaliser: true or false (Zoo preset, else false).")
    String normalizeObservations;

    @Option(names = "--observation-normalizer-clip", defaultValue = "${env:TRPO_TRAINER_OBSERVATION_NORMALIZER_CLIP}",
            description = "Clip normalised observations to [-clip, clip]; 0 = no clip (default 10).")
    String observationClip;

    @Option(names = "--critic-normalize-targets", defaultValue = "${env:TRPO_TRAINER_CRITIC_NORMALIZE_TARGETS}",
            description = "Fit the critic in units of each batch's value targets (PopArt-style): true or false (Zoo preset, else false).")
    String criticNormalizeTargets;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "${env:TRPO_TRAINER_EVAL_EVERY:-0}",
            description = "Evaluate every N-th published version deterministically, beside the updates, as the final "
                    + "evaluation of 'trpo train' (gauges trpo_eval_return, trpo_eval_best_return, trpo_eval_version); "
                    + "0 = off (default).")
    int evalEvery;

    @Option(names = "--eval-episodes", defaultValue = "${env:TRPO_TRAINER_EVAL_EPISODES:-20}",
            description = "Deterministic episodes per evaluation (default 20).")
    int evalEpisodes;

    @Option(names = "--eval-parallel", paramLabel = "N", defaultValue = "${env:TRPO_TRAINER_EVAL_PARALLEL:-1}",
            description = "Environment instances an evaluation plays its episodes on at once, for a slow simulator or"
                    + " one in a child process (default 1); the figures do not change.")
    int evalParallel;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    SigningKeyOptions signing;

    @Override
    public Integer call() throws Exception {
        EnvSpec env = envSpec(envId);
        Map<String, String> overrides = new LinkedHashMap<>(readConfig(config));
        overrides.putAll(flags());
        Hyperparameters hp = Hyperparameters.forEnv(env.envId(), overrides);
        TrainerSettings settings = new TrainerSettings(runId, env, hp, seed, maxVersions, Duration.ofMillis(200),
                signing.signer());
        if (settings.signer() != null) {
            LOG.info("signing policy snapshots run={} key_id={}", runId, settings.signer().keyId());
        }
        if (evalEvery < 0 || evalEpisodes < 1) {
            throw new UsageException("--eval-every must be >= 0 (0 = off) and --eval-episodes >= 1, got " + evalEvery
                    + " and " + evalEpisodes);
        }
        if (evalParallel < 1) {
            throw new UsageException("--eval-parallel must be >= 1 (environment instances), got " + evalParallel);
        }
        Map<String, Object> props = kafka.reachableClientProperties();
        ExecutorService evaluator = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "trpo-trainer-evaluation");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        try (Observability observability = Observability.start(metrics.metricsPort());
             TrainerService trainer = new TrainerService(settings, props, observability.registry())) {
            PeriodicEvaluation evaluation = new PeriodicEvaluation(runId, env.envId(), evalEvery, evalEpisodes,
                    seed + 1_000_000, evalParallel, observability.registry());
            try {
                trainer.onPublished(snapshot -> {
                    if (evaluation.due(snapshot.getVersion())) {
                        evaluator.execute(() -> logEvaluation(evaluation, snapshot));
                    }
                });
                Thread hook = new Thread(trainer::close, "trpo-trainer-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                observability.setReady(() -> trainer.status() == TrainerService.Status.RUNNING);
                trainer.start();
                TrainerService.Status status;
                do {
                    status = trainer.awaitTermination(Duration.ofSeconds(1));
                } while (!status.terminal());
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down
                }
                if (status == TrainerService.Status.FAILED && trainer.failure() instanceof IllegalArgumentException e) {
                    throw new UsageException(e.getMessage()); // e.g. resuming a run on another environment
                }
                return switch (status) {
                    case FENCED -> EXIT_FENCED;
                    case FAILED -> throw new IllegalStateException("trainer of run " + runId + " stopped at version "
                            + trainer.version() + ": " + trainer.failure(), trainer.failure());
                    default -> 0;
                };
            } finally {
                // the kept evaluation instances end once no evaluation uses them; one still playing after a few
                // seconds is left to end with this process (a child process's input closes with it)
                evaluator.shutdownNow();
                if (evaluator.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    evaluation.close();
                }
            }
        } finally {
            evaluator.shutdownNow();
        }
    }

    private void logEvaluation(PeriodicEvaluation evaluation, PolicySnapshot snapshot) {
        try {
            PeriodicEvaluation.Evaluated e = evaluation.evaluate(snapshot);
            PeriodicEvaluation.Evaluated best = evaluation.best();
            LOG.info("evaluated run={} env={} version={} episodes={} mean={} std={} success_rate={} best={} best_version={}",
                    runId, envId, e.version(), evalEpisodes, e.mean(), e.result().std(), e.result().successRate(),
                    best.mean(), best.version());
        } catch (RuntimeException ex) {
            LOG.warn("evaluation of run={} version={} failed: {}", runId, snapshot.getVersion(), ex.toString());
        }
    }

    /**
     * The observation size and action space of a registered environment.
     *
     * @throws UsageException naming the known ids when the environment is not registered
     */
    public static EnvSpec envSpec(String envId) {
        if (envId == null || !Environments.contains(envId.strip())) {
            throw new UsageException("--env " + envId + " is unknown; known: " + String.join(", ", Environments.ids()));
        }
        try (Environment e = Environments.create(envId.strip())) {
            return new EnvSpec(e.id(), e.observationSize(), e.actionSpace());
        }
    }

    /**
     * The {@code trpo.trainer.*} entries of a properties file (other keys are left to other components), or none
     * when {@code file} is null.
     *
     * @throws UsageException when the file cannot be read
     */
    public static Map<String, String> readConfig(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (file == null) {
            return out;
        }
        if (!Files.isReadable(file)) {
            throw new UsageException("--config " + file + ": no readable file there");
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException("--config " + file + ": cannot read it as a properties file (" + e.getMessage() + ")");
        }
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith(Hyperparameters.PREFIX)) {
                out.put(k, p.getProperty(k).strip());
            }
        }
        return out;
    }

    /** The hyper-parameter flags (and TRPO_TRAINER_* variables) given, as dotted keys. */
    private Map<String, String> flags() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, Hyperparameters.BATCH_STEPS, batchSteps);
        put(m, Hyperparameters.MODE, mode);
        put(m, Hyperparameters.MAX_POLICY_LAG, maxPolicyLag);
        put(m, Hyperparameters.GAMMA, gamma);
        put(m, Hyperparameters.GAE_LAMBDA, gaeLambda);
        put(m, Hyperparameters.MAX_KL, maxKl);
        put(m, Hyperparameters.CG_DAMPING, cgDamping);
        put(m, Hyperparameters.CG_MAX_ITERATIONS, cgMaxIterations);
        put(m, Hyperparameters.CG_RESIDUAL_TOLERANCE, cgResidualTolerance);
        put(m, Hyperparameters.LINE_SEARCH_SHRINK, lineSearchShrink);
        put(m, Hyperparameters.LINE_SEARCH_MAX_ITERATIONS, lineSearchMaxIterations);
        put(m, Hyperparameters.KL_CONVENTION, klConvention);
        put(m, Hyperparameters.FISHER_SUBSAMPLE, fisherSubsample);
        put(m, Hyperparameters.NORMALIZE_ADVANTAGES, normalizeAdvantages);
        put(m, Hyperparameters.CRITIC_LEARNING_RATE, criticLearningRate);
        put(m, Hyperparameters.CRITIC_EPS, criticEps);
        put(m, Hyperparameters.CRITIC_EPOCHS, criticEpochs);
        put(m, Hyperparameters.CRITIC_MINIBATCH_SIZE, criticMinibatchSize);
        put(m, Hyperparameters.HIDDEN_SIZES, hiddenSizes);
        put(m, Hyperparameters.ACTIVATION, activation);
        put(m, Hyperparameters.LOG_STD_INIT, logStdInit);
        put(m, Hyperparameters.NORMALIZE_OBSERVATIONS, normalizeObservations);
        put(m, Hyperparameters.OBSERVATION_CLIP, observationClip);
        put(m, Hyperparameters.CRITIC_NORMALIZE_TARGETS, criticNormalizeTargets);
        return m;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null && !value.isBlank()) {
            m.put(key, value.strip());
        }
    }
}
