/**
 * The {@code trpo keys} commands: {@code generate} writes the Ed25519 key pair the trainer signs policy snapshots
 * with and the connectors and {@code trpo eval} verify them with. The signing lives in
 * {@code dev.trpo.schemas.signing}.
 */
package dev.trpo.app.keys;
