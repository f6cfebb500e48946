package dev.trpo.app.cli;

import java.nio.file.Path;

import dev.trpo.schemas.signing.SnapshotSigner;
import picocli.CommandLine.Option;

/** The trainer's policy signing key. Use as a picocli {@code @Mixin}. */
public final class SigningKeyOptions {
    @Option(names = "--signing-key", paramLabel = "FILE", defaultValue = "${env:TRPO_TRAINER_SIGNING_KEY}",
            description = "Sign every policy snapshot with this Ed25519 private key (PKCS#8 PEM, from ./trpo keys"
                    + " generate or openssl genpkey -algorithm ed25519); give it to the trainer only. Default: snapshots"
                    + " are not signed (env TRPO_TRAINER_SIGNING_KEY).")
    Path signingKey;

    /**
     * The signer, or null when no key is given.
     *
     * @throws UsageException when the file holds no Ed25519 private key
     */
    public SnapshotSigner signer() {
        if (signingKey == null) {
            return null;
        }
        try {
            return SnapshotSigner.fromPemFile(signingKey);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--signing-key: " + e.getMessage());
        }
    }
}
