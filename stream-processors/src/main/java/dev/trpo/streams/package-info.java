/**
 * The stream processors: a Kafka Streams application that validates every transition of a run, dead-letters the
 * bad ones, assembles each actor's steps into segments with GAE advantages and summarises episodes.
 * {@link dev.trpo.streams.StreamsTopology} builds the topology, {@link dev.trpo.streams.StreamsSettings} holds the
 * configuration, {@link dev.trpo.streams.StreamsService} runs it, {@link dev.trpo.streams.StreamsMeters} names the
 * metrics.
 */
package dev.trpo.streams;
