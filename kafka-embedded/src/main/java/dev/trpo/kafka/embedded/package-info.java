/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) that runs inside the JVM on
 * loopback, for {@code trpo broker}, {@code trpo train} and the integration tests (through
 * {@link dev.trpo.kafka.embedded.EmbeddedKafkaExtension}).
 */
package dev.trpo.kafka.embedded;
