package dev.trpo.app.chaos;

import java.nio.file.Path;
import java.time.Duration;

import dev.trpo.schemas.Topics;

/**
 * One harness run, validated on construction.
 *
 * @param runId            the run's id (names its topics)
 * @param envId            environment id, e.g. CartPole-v1
 * @param seed             the run's seed (connector and trainer) and the kill schedule's
 * @param actors           actors of the connector
 * @param stepsPerVersion  steps each actor takes under one policy version; the trainer's batch is actors x this
 * @param versions         the trainer stops after publishing this version
 * @param partitions       partitions of the transitions, segments, episodes and dlq topics
 * @param plan             what to kill, how often
 * @param dir              the run's folder: broker data, stream state, logs
 * @param recoveryTimeout  how long a restart may take to yield a new policy version before the run counts as stalled
 * @param runTimeout       how long the whole run may take
 */
record ChaosSettings(String runId, String envId, long seed, int actors, int stepsPerVersion, int versions, int partitions,
                     KillPlan plan, Path dir, Duration recoveryTimeout, Duration runTimeout) {
    /** Longest random wait between a kill and its restart. */
    static final Duration MAX_DOWN_TIME = Duration.ofSeconds(3);

    ChaosSettings {
        Topics.forRun(runId);
        if (actors < 1 || actors > 4096) {
            throw new IllegalArgumentException("--actors must be in [1, 4096], got " + actors);
        }
        if (stepsPerVersion < 1 || stepsPerVersion > 1_000_000) {
            throw new IllegalArgumentException("--steps-per-version must be in [1, 1000000], got " + stepsPerVersion);
        }
        if (versions < 1) {
            throw new IllegalArgumentException("--versions must be >= 1, got " + versions);
        }
        if (partitions < 1 || partitions > 1000) {
            throw new IllegalArgumentException("--partitions must be in [1, 1000], got " + partitions);
        }
        // each kill waits for the next version before the next kill, and a kill needs a version still to come
        if (plan.total() > versions - 1) {
            throw new IllegalArgumentException("--kills " + plan + " asks for " + plan.total() + " kills but --versions "
                    + versions + " leaves room for " + (versions - 1) + " (one kill per version, none after the last):"
                    + " raise --versions to at least " + (plan.total() + 1));
        }
        if (recoveryTimeout.isNegative() || recoveryTimeout.isZero() || runTimeout.isNegative() || runTimeout.isZero()) {
            throw new IllegalArgumentException("--recovery-timeout and --timeout must be positive, got " + recoveryTimeout
                    + " and " + runTimeout);
        }
    }

    /** The trainer's batch: every actor's steps under one version. */
    int batchSteps() {
        return actors * stepsPerVersion;
    }

    /** The same run without kills, in its own folder and with its own run id. */
    ChaosSettings uninterrupted(String baselineRunId, Path baselineDir) {
        return new ChaosSettings(baselineRunId, envId, seed, actors, stepsPerVersion, versions, partitions, KillPlan.none(),
                baselineDir, recoveryTimeout, runTimeout);
    }
}
