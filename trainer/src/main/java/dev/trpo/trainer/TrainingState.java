package dev.trpo.trainer;

import java.util.Map;
import java.util.TreeMap;

import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.AdamState;
import dev.trpo.policy.RewardNormalizer;

/**
 * Everything a trainer carries from one version to the next; exactly what a {@code PolicySnapshot} holds, so a
 * trainer restarted from the snapshot of version v continues bit for bit as if it had never stopped.
 *
 * @param version         the policy version {@code policy} is
 * @param parentVersion   the version it was trained from, or -1 for version 0
 * @param envId           the environment
 * @param policy          actor, critic and observation normaliser (mutable; owned by the trainer thread)
 * @param criticOptimiser the critic's Adam moments (mutable; owned by the trainer thread)
 * @param seed            the run's seed
 * @param hyperParameters every hyper-parameter, dotted keys
 * @param counters        cumulative training counters
 * @param rewards         the reward normaliser whose scale this version's actors use (mutable; trainer thread)
 * @param returnCarry     per actor id, the discounted return carried into the next batch (sorted, so the snapshot's
 *                        bytes do not depend on arrival order; mutable; trainer thread)
 * @param rewardScales    async mode with reward normalisation: by version, the reward scale of this version and of
 *                        the older versions whose samples may still be trained on; empty otherwise
 */
record TrainingState(long version, long parentVersion, String envId, ActorCritic policy, AdamState criticOptimiser,
                     long seed, Map<String, String> hyperParameters, Counters counters, RewardNormalizer rewards,
                     TreeMap<String, Double> returnCarry, TreeMap<Long, Double> rewardScales) {

    /** Cumulative counts, as in the snapshot's {@code TrainingCounters}. */
    record Counters(long totalSteps, long totalEpisodes, long updates, long rejectedUpdates, long staleSamplesDropped) {
        static final Counters ZERO = new Counters(0, 0, 0, 0, 0);

        Counters plus(long steps, long episodes, boolean rejected, long stale) {
            return new Counters(totalSteps + steps, totalEpisodes + episodes, updates + 1,
                    rejectedUpdates + (rejected ? 1 : 0), staleSamplesDropped + stale);
        }
    }
}
