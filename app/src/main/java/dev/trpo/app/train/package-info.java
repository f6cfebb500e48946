/**
 * {@code trpo train}: the whole pipeline (embedded broker, topics, connector, stream processors, trainer) in
 * one JVM, with progress on the terminal, a results table and a run folder (curve CSV and PNG, final policy,
 * summary.json).
 */
package dev.trpo.app.train;
