package dev.trpo.connectors.runtime;

import dev.trpo.connectors.env.Environments;
import dev.trpo.schemas.Topics;
import java.util.Objects;

/**
 * What one connector process runs. Immutable; validated on construction, errors name the key and its range.
 *
 * @param runId           the run whose topics are read and written ({@code trpo.<run-id>.*})
 * @param envId           the registered environment every actor runs
 * @param actors          environment instances stepped in lockstep, 1..4096
 * @param seed            seeds every actor's initial states and action sampling
 * @param stepsPerVersion steps each actor takes under one policy version in sync mode, >= 1
 * @param mode            sync (on-policy, waits) or async (never waits)
 * @param actorIdPrefix   actor ids are {@code <prefix>-<index>}; give each connector replica its own prefix
 * @param maxSteps        stop after this many steps per actor (0 = run until closed)
 * @param asyncMaxStepsPerVersion async mode: the most steps an actor takes under one version; reaching it, the actors
 *                        wait for a newer one (0 = never wait). Bounding it to what the trainer may still use
 *                        (steps per version x (max policy lag + 1)) keeps fast simulators from producing samples
 *                        that are dropped as stale.
 * @param commitIntervalMs the longest the actors step without committing (their steps and checkpoints), when they
 *                        close no version sooner: what a crash can cost them, at most, in steps taken again
 * @param firstActor      the index of this process's first actor: its actors are {@code <prefix>-<firstActor>} ..
 *                        {@code <prefix>-<firstActor + actors - 1>}, each with the generators it would have in one
 *                        process holding them all, so the actors of a run can be spread over processes without
 *                        changing what they do
 */
public record ConnectorConfig(String runId, String envId, int actors, long seed, int stepsPerVersion,
                              ConnectorMode mode, String actorIdPrefix, long maxSteps, long asyncMaxStepsPerVersion,
                              long commitIntervalMs, int firstActor) {

    /** Default of {@code --actors}. */
    public static final int DEFAULT_ACTORS = 8;
    /** Default of {@code --steps-per-version}. */
    public static final int DEFAULT_STEPS_PER_VERSION = 256;
    /** Default of {@code --actor-id-prefix}. */
    public static final String DEFAULT_ACTOR_ID_PREFIX = "actor";
    /** Default of {@code --commit-interval-ms}. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 2_000;
    /** Largest {@code --actors}. */
    public static final int MAX_ACTORS = 4096;
    /** Largest {@code --first-actor} + {@code --actors}: the actor indices of a run. */
    public static final int MAX_FIRST_ACTOR = 1 << 20;

    public ConnectorConfig {
        if (runId == null || !Topics.RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("run-id '" + runId + "' is invalid: use 1 to 100 letters, digits, '-' or '_'");
        }
        if (envId == null || !Environments.contains(envId)) {
            throw new IllegalArgumentException("env '" + envId + "' is unknown; known: " + String.join(", ", Environments.ids()));
        }
        if (actors < 1 || actors > MAX_ACTORS) {
            throw new IllegalArgumentException("actors must be in [1, " + MAX_ACTORS + "], got " + actors);
        }
        if (stepsPerVersion < 1) {
            throw new IllegalArgumentException("steps-per-version must be >= 1, got " + stepsPerVersion);
        }
        Objects.requireNonNull(mode, "mode");
        if (actorIdPrefix == null || actorIdPrefix.isBlank()) {
            throw new IllegalArgumentException("actor-id-prefix must not be blank");
        }
        if (maxSteps < 0) {
            throw new IllegalArgumentException("max-steps must be >= 0 (0 = unlimited), got " + maxSteps);
        }
        if (asyncMaxStepsPerVersion < 0) {
            throw new IllegalArgumentException("async-max-steps-per-version must be >= 0 (0 = unlimited), got "
                    + asyncMaxStepsPerVersion);
        }
        if (firstActor < 0 || (long) firstActor + actors > MAX_FIRST_ACTOR) {
            throw new IllegalArgumentException("first-actor must be >= 0 with first-actor + actors <= " + MAX_FIRST_ACTOR
                    + ", got " + firstActor + " and " + actors);
        }
        if (commitIntervalMs < 1 || commitIntervalMs > 60_000) {
            throw new IllegalArgumentException("commit-interval-ms must be in [1, 60000] (the transactions must end"
                    + " well within transaction.timeout.ms), got " + commitIntervalMs);
        }
    }

    /** A configuration whose actors are indexed from 0. */
    public ConnectorConfig(String runId, String envId, int actors, long seed, int stepsPerVersion, ConnectorMode mode,
                           String actorIdPrefix, long maxSteps, long asyncMaxStepsPerVersion, long commitIntervalMs) {
        this(runId, envId, actors, seed, stepsPerVersion, mode, actorIdPrefix, maxSteps, asyncMaxStepsPerVersion,
                commitIntervalMs, 0);
    }

    /** A configuration that commits every {@value #DEFAULT_COMMIT_INTERVAL_MS} ms at the latest. */
    public ConnectorConfig(String runId, String envId, int actors, long seed, int stepsPerVersion, ConnectorMode mode,
                           String actorIdPrefix, long maxSteps, long asyncMaxStepsPerVersion) {
        this(runId, envId, actors, seed, stepsPerVersion, mode, actorIdPrefix, maxSteps, asyncMaxStepsPerVersion,
                DEFAULT_COMMIT_INTERVAL_MS);
    }

    /** A configuration whose async actors never wait. */
    public ConnectorConfig(String runId, String envId, int actors, long seed, int stepsPerVersion, ConnectorMode mode,
                           String actorIdPrefix, long maxSteps) {
        this(runId, envId, actors, seed, stepsPerVersion, mode, actorIdPrefix, maxSteps, 0L);
    }

    /** A sync-mode configuration with the defaults for everything but run and environment. */
    public static ConnectorConfig of(String runId, String envId) {
        return new ConnectorConfig(runId, envId, DEFAULT_ACTORS, 0L, DEFAULT_STEPS_PER_VERSION, ConnectorMode.SYNC,
                DEFAULT_ACTOR_ID_PREFIX, 0L);
    }

    public ConnectorConfig withActors(int n) {
        return new ConnectorConfig(runId, envId, n, seed, stepsPerVersion, mode, actorIdPrefix, maxSteps, asyncMaxStepsPerVersion, commitIntervalMs, firstActor);
    }

    public ConnectorConfig withSeed(long s) {
        return new ConnectorConfig(runId, envId, actors, s, stepsPerVersion, mode, actorIdPrefix, maxSteps, asyncMaxStepsPerVersion, commitIntervalMs, firstActor);
    }

    public ConnectorConfig withStepsPerVersion(int n) {
        return new ConnectorConfig(runId, envId, actors, seed, n, mode, actorIdPrefix, maxSteps, asyncMaxStepsPerVersion, commitIntervalMs, firstActor);
    }

    public ConnectorConfig withMode(ConnectorMode m) {
        return new ConnectorConfig(runId, envId, actors, seed, stepsPerVersion, m, actorIdPrefix, maxSteps, asyncMaxStepsPerVersion, commitIntervalMs, firstActor);
    }

    public ConnectorConfig withActorIdPrefix(String p) {
        return new ConnectorConfig(runId, envId, actors, seed, stepsPerVersion, mode, p, maxSteps, asyncMaxStepsPerVersion, commitIntervalMs, firstActor);
    }

    public ConnectorConfig withMaxSteps(long n) {
        return new ConnectorConfig(runId, envId, actors, seed, stepsPerVersion, mode, actorIdPrefix, n, asyncMaxStepsPerVersion, commitIntervalMs, firstActor);
    }

    public ConnectorConfig withAsyncMaxStepsPerVersion(long n) {
        return new ConnectorConfig(runId, envId, actors, seed, stepsPerVersion, mode, actorIdPrefix, maxSteps, n, commitIntervalMs, firstActor);
    }

    public ConnectorConfig withCommitIntervalMs(long ms) {
        return new ConnectorConfig(runId, envId, actors, seed, stepsPerVersion, mode, actorIdPrefix, maxSteps,
                asyncMaxStepsPerVersion, ms, firstActor);
    }

    public ConnectorConfig withFirstActor(int index) {
        return new ConnectorConfig(runId, envId, actors, seed, stepsPerVersion, mode, actorIdPrefix, maxSteps,
                asyncMaxStepsPerVersion, commitIntervalMs, index);
    }

    /** @return the id of this process's actor {@code index} (from 0), the record key of its transitions */
    public String actorId(int index) {
        return actorIdPrefix + "-" + (firstActor + index);
    }
}
