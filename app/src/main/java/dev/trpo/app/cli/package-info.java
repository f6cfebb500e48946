/** Options shared by the subcommands (Kafka connection, metrics port) and the user-error type. */
package dev.trpo.app.cli;
