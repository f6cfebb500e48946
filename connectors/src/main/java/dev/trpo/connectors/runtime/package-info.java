/**
 * The actor runtime: {@link dev.trpo.connectors.runtime.ConnectorRuntime} steps N environments in lockstep with
 * the newest policy read from {@code trpo.<run-id>.policies} ({@link dev.trpo.connectors.runtime.PolicySubscriber})
 * and publishes one {@code Transition} per step to {@code trpo.<run-id>.transitions}, keyed by actor id.
 * Usable in-process (the {@code train} command) or as its own process ({@code trpo connector}).
 */
package dev.trpo.connectors.runtime;
