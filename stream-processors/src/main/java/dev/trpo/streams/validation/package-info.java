/**
 * Validation and dead-lettering: the stateless transition checks, the reasons a record is dead-lettered, and the
 * deserialization and processing exception handlers that send rejected records to {@code trpo.<run-id>.dlq}
 * through Kafka Streams' built-in dead-letter support (KIP-1034).
 */
package dev.trpo.streams.validation;
