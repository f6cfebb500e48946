/**
 * Environments the actors step: the {@link dev.trpo.connectors.env.Environment} interface a user implements
 * for a simulator or a robot, the five Gymnasium 0.29.1 classic-control environments re-implemented to match it
 * step for step, the {@link dev.trpo.connectors.env.Environments} registry by id, and the trace format and
 * conformance check behind {@code trpo env trace}.
 */
package dev.trpo.connectors.env;
