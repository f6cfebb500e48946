/** Subcommands that manage Kafka itself: the embedded broker and the run's topics. */
package dev.trpo.app.kafka;
