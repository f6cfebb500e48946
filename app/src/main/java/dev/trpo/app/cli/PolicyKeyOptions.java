package dev.trpo.app.cli;

import java.nio.file.Path;

import dev.trpo.schemas.signing.SnapshotVerifier;
import picocli.CommandLine.Option;

/**
 * The public key policy snapshots are verified with, for the commands that act with or evaluate snapshots read from
 * Kafka. Use as a picocli {@code @Mixin}.
 */
public final class PolicyKeyOptions {
    @Option(names = "--policy-public-key", paramLabel = "FILE", defaultValue = "${env:TRPO_CONNECTOR_POLICY_PUBLIC_KEY}",
            description = "Refuse policy snapshots whose signature does not verify with this Ed25519 public key (X.509"
                    + " PEM, policy-signing.pub of ./trpo keys generate; several PUBLIC KEY blocks while keys are"
                    + " rotated). Default: not checked (env TRPO_CONNECTOR_POLICY_PUBLIC_KEY).")
    Path publicKey;

    @Option(names = "--require-signed-policies", defaultValue = "${env:TRPO_CONNECTOR_REQUIRE_SIGNED_POLICIES:-false}",
            description = "With --policy-public-key: refuse unsigned snapshots too (without it they are accepted, so"
                    + " signing can be switched on for a run going on) (env TRPO_CONNECTOR_REQUIRE_SIGNED_POLICIES).")
    boolean requireSigned;

    /**
     * The verifier: {@link SnapshotVerifier#NONE} without a key.
     *
     * @throws UsageException when the file holds no Ed25519 public key, or signatures are required without a key
     */
    public SnapshotVerifier verifier() {
        try {
            return SnapshotVerifier.fromPemFile(publicKey, requireSigned);
        } catch (IllegalArgumentException e) {
            throw new UsageException(publicKey == null ? e.getMessage() : "--policy-public-key: " + e.getMessage());
        }
    }
}
