package dev.trpo.schemas.signing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.List;
import java.util.Objects;

import org.apache.kafka.common.header.Headers;

/**
 * The trainer's signing key: signs the value bytes of a snapshot record and adds {@link SignatureHeaders} to it.
 * Thread-safe (a fresh {@link Signature} per call; one call per published version).
 */
public final class SnapshotSigner {
    private final PrivateKey key;
    private final PublicKey publicKey;
    private final String keyId;
    private final byte[] keyIdBytes;

    private SnapshotSigner(PrivateKey key) {
        this.key = Objects.requireNonNull(key, "key");
        this.publicKey = SigningKeys.publicKeyOf(key);
        this.keyId = SigningKeys.keyId(publicKey);
        this.keyIdBytes = keyId.getBytes(StandardCharsets.UTF_8);
        byte[] probe = "trpo snapshot signer self-check".getBytes(StandardCharsets.UTF_8);
        if (!SnapshotVerifier.verifies(publicKey, probe, sign(probe))) {
            throw new IllegalStateException("the public key computed for signing key " + keyId
                    + " does not verify its signatures");
        }
    }

    /** A signer with {@code key}, an Ed25519 private key. */
    public static SnapshotSigner of(PrivateKey key) {
        return new SnapshotSigner(key);
    }

    /**
     * A signer with the key of a PKCS#8 PEM file.
     *
     * @throws IllegalArgumentException naming the file when it holds no Ed25519 private key
     */
    public static SnapshotSigner fromPemFile(Path file) {
        return new SnapshotSigner(SigningKeys.readPrivateKey(file));
    }

    /** The id of this key, as the {@link SignatureHeaders#KEY_ID} header and the verifiers' log lines give it. */
    public String keyId() {
        return keyId;
    }

    /** The public key that verifies this signer's signatures. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /**
     * A verifier that accepts only what this key signed: how the trainer checks the snapshot it restores from,
     * so a snapshot written by someone else is never signed over by the next version.
     */
    public SnapshotVerifier ownVerifier() {
        return SnapshotVerifier.of(List.of(publicKey), true);
    }

    /** The 64-byte Ed25519 signature of {@code value}. Not modified: {@code value}. */
    public byte[] sign(byte[] value) {
        try {
            Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initSign(key);
            s.update(value);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with key " + keyId + ": " + e.getMessage(), e);
        }
    }

    /** Signs {@code value} and adds the signature and the key id to {@code headers}. Modified: {@code headers}. */
    public void addHeaders(byte[] value, Headers headers) {
        headers.add(SignatureHeaders.SIGNATURE, sign(value));
        headers.add(SignatureHeaders.KEY_ID, keyIdBytes.clone());
    }
}
