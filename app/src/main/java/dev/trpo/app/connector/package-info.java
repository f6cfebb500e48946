/**
 * The {@code trpo connector} command: one connector process (N actors) against a Kafka cluster, wrapping
 * {@code dev.trpo.connectors.runtime.ConnectorRuntime} with metrics, health and a clean SIGTERM shutdown.
 */
package dev.trpo.app.connector;
