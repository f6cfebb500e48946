package dev.trpo.connectors.runtime;

import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.RewardNormalizer;

/**
 * A policy version ready to act: the network rebuilt from its snapshot.
 *
 * @param version the snapshot's version
 * @param policy  the actor-critic (read-only for the connector)
 * @param rewards the version's reward normaliser: when enabled, every transition carries the learning reward
 */
public record ActingPolicy(long version, ActorCritic policy, RewardNormalizer rewards) {
}
