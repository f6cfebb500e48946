/**
 * Options shared by the subcommands (Kafka connection, metrics port, the policy signing key and the public key
 * snapshots are verified with) and the user-error type.
 */
package dev.trpo.app.cli;
