/**
 * Segment assembly: the stateful processor that orders each actor's steps, cuts them into segments, computes GAE
 * with terminated/truncated semantics, summarises episodes and closes the runs of silent actors; and the compact
 * binary state it keeps per actor.
 */
package dev.trpo.streams.assembly;
