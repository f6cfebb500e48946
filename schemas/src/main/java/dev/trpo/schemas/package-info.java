/**
 * The wire contract: Avro records generated from {@code schemas/src/main/avro} (Transition, Segment,
 * EpisodeSummary, PolicySnapshot), their Kafka serdes in Avro single-object encoding, the registry of
 * a run's topics, and the conversion between a {@link dev.trpo.schemas.PolicySnapshot} and the policy
 * module's {@link dev.trpo.policy.ActorCritic}.
 */
package dev.trpo.schemas;
