package dev.trpo.trainer;

import java.time.Duration;
import java.util.Objects;

import dev.trpo.schemas.Topics;
import dev.trpo.schemas.signing.SnapshotSigner;

/**
 * Everything one trainer needs besides its Kafka client properties and metrics registry.
 *
 * @param runId           the training run; names the topics, the consumer group and the transactional id
 * @param env             the environment (observation size and action space) for version 0
 * @param hyperparameters the run's hyper-parameters
 * @param seed            seed of version 0's initialisation and, with the version, of every update's randomness;
 *                        a resumed run keeps the seed stored in its snapshot
 * @param maxVersions     stop after publishing this version (a positive number), or 0 to run until closed
 * @param pollTimeout     how long one poll of the segments topic waits, &gt; 0 (default 200 ms)
 * @param signer          signs every snapshot published, and restores only from snapshots it signed; null publishes
 *                        them unsigned (the default)
 */
public record TrainerSettings(String runId, EnvSpec env, Hyperparameters hyperparameters, long seed, long maxVersions,
                              Duration pollTimeout, SnapshotSigner signer) {
    /** Validates every field. */
    public TrainerSettings {
        Topics.forRun(runId);
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(hyperparameters, "hyperparameters");
        if (maxVersions < 0) {
            throw new IllegalArgumentException("trpo.trainer.max-versions must be >= 0 (0 = no limit), got " + maxVersions);
        }
        if (pollTimeout == null || pollTimeout.isNegative() || pollTimeout.isZero()) {
            throw new IllegalArgumentException("trainer poll timeout must be > 0, got " + pollTimeout);
        }
    }

    /** Settings whose snapshots are not signed. */
    public TrainerSettings(String runId, EnvSpec env, Hyperparameters hyperparameters, long seed, long maxVersions,
                           Duration pollTimeout) {
        this(runId, env, hyperparameters, seed, maxVersions, pollTimeout, null);
    }

    /** Settings that run until closed and poll every 200 ms. */
    public static TrainerSettings of(String runId, EnvSpec env, Hyperparameters hyperparameters, long seed) {
        return new TrainerSettings(runId, env, hyperparameters, seed, 0, Duration.ofMillis(200));
    }

    /** A copy that stops after publishing {@code version}. */
    public TrainerSettings withMaxVersions(long version) {
        return new TrainerSettings(runId, env, hyperparameters, seed, version, pollTimeout, signer);
    }

    /** A copy that signs its snapshots with {@code key} (null: unsigned). */
    public TrainerSettings withSigner(SnapshotSigner key) {
        return new TrainerSettings(runId, env, hyperparameters, seed, maxVersions, pollTimeout, key);
    }

    /** The consumer group id and the transactional id: {@code trpo.<run-id>.trainer}. */
    public String clientId() {
        return "trpo." + runId + ".trainer";
    }
}
