/**
 * The learner's mathematics, pure JDK: {@link dev.trpo.policy.Mlp} networks over flat parameter vectors,
 * {@link dev.trpo.policy.ActorCritic} (categorical and diagonal-Gaussian heads, critic, observation normaliser),
 * {@link dev.trpo.policy.Gae}, and the trust-region update {@link dev.trpo.policy.TrpoUpdater} built on
 * {@link dev.trpo.policy.PolicyObjective} (surrogate, KL, exact Fisher-vector product) and
 * {@link dev.trpo.policy.ConjugateGradient}.
 */
package dev.trpo.policy;
