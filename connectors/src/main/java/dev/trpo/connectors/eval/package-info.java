/** Deterministic evaluation of a policy on an environment (the numbers {@code trpo eval} and {@code trpo train} report). */
package dev.trpo.connectors.eval;
