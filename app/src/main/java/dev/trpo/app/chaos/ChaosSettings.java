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
 * @param connectors       connector processes; the actors are split among them in index order (--first-actor)
 * @param streamsInstances stream-processor processes, each with its own --instance-id and state folder
 * @param brokerDownTime   longest a killed broker stays down before its restart (drawn at random up to this); the
 *                         other components must wait for it, however long it is
 */
record ChaosSettings(String runId, String envId, long seed, int actors, int stepsPerVersion, int versions, int partitions,
                     KillPlan plan, Path dir, Duration recoveryTimeout, Duration runTimeout,
                     int connectors, int streamsInstances, Duration brokerDownTime) {
    /** Longest random wait between a kill of a component (not the broker) and its restart. */
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
        // each kill waits for the next version before the next kill, and a recovery can take a version or two while
        // the next kill waits: the plan needs about two versions per kill, and the schedule keeps the last ones free
        if (plan.total() > 0 && versions < minVersions(plan.total())) {
            throw new IllegalArgumentException("--kills " + plan + " asks for " + plan.total() + " kills but --versions "
                    + versions + " leaves too little room (each kill needs its own version, and a recovery may take"
                    + " another): raise --versions to at least " + minVersions(plan.total()));
        }
        if (connectors < 1 || connectors > actors) {
            throw new IllegalArgumentException("--connectors must be in [1, --actors " + actors + "], got " + connectors);
        }
        if (streamsInstances < 1 || streamsInstances > 16) {
            throw new IllegalArgumentException("--streams-instances must be in [1, 16], got " + streamsInstances);
        }
        if (plan.count(KillPlan.Target.STREAMS_LOST) > 0 && streamsInstances < 2) {
            throw new IllegalArgumentException("--kills streams-lost needs another stream-processor instance to take over:"
                    + " give --streams-instances 2 or more");
        }
        if (brokerDownTime.isNegative()) {
            throw new IllegalArgumentException("--broker-down-time must not be negative, got " + brokerDownTime);
        }
        if (recoveryTimeout.isNegative() || recoveryTimeout.isZero() || runTimeout.isNegative() || runTimeout.isZero()) {
            throw new IllegalArgumentException("--recovery-timeout and --timeout must be positive, got " + recoveryTimeout
                    + " and " + runTimeout);
        }
    }

    /** The fewest versions a plan of {@code kills} kills fits in: two per kill and two to spare. */
    static int minVersions(int kills) {
        return 2 * kills + 2;
    }

    /**
     * The version after which kill {@code i} of {@code kills} (from 0) may be made: the kills spread evenly over the
     * run but its last fifth (at least 2 versions), so a kill whose predecessor recovered late still lands before the
     * target version.
     */
    static long trigger(int i, int kills, int versions) {
        int reserve = Math.max(2, versions / 5);
        long span = Math.max(1, versions - 1 - reserve);
        return 1 + (long) i * span / kills;
    }

    /** The first actor of connector {@code c}: the actors are split in index order, the first ones one more each. */
    int firstActor(int c) {
        int base = actors / connectors;
        int extra = actors % connectors;
        return c * base + Math.min(c, extra);
    }

    /** The actors of connector {@code c}. */
    int actorsOf(int c) {
        return firstActor(c + 1) - firstActor(c);
    }

    /** The trainer's batch: every actor's steps under one version. */
    int batchSteps() {
        return actors * stepsPerVersion;
    }

    /**
     * The same run without kills, in one connector and one stream-processor process, in its own folder and with its own
     * run id: what the run must equal however its actors and partitions are spread and whatever is killed.
     */
    ChaosSettings uninterrupted(String baselineRunId, Path baselineDir) {
        return new ChaosSettings(baselineRunId, envId, seed, actors, stepsPerVersion, versions, partitions, KillPlan.none(),
                baselineDir, recoveryTimeout, runTimeout, 1, 1, brokerDownTime);
    }
}
