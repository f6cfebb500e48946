/** {@code trpo eval}: evaluate a saved policy snapshot with deterministic actions. */
package dev.trpo.app.eval;
