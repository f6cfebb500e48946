package dev.trpo.connectors.runtime;

import dev.trpo.policy.ActorCritic;

/**
 * A policy version ready to act: the network rebuilt from its snapshot.
 *
 * @param version the snapshot's version
 * @param policy  the actor-critic (read-only for the connector)
 */
public record ActingPolicy(long version, ActorCritic policy) {
}
