package dev.trpo.schemas.signing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Decides whether a snapshot record may be used, from its value bytes and its {@link SignatureHeaders}.
 *
 * <ul>
 *   <li>{@link #NONE} (no public key configured, the embedded default) accepts every record.</li>
 *   <li>With public keys, a record that carries a signature is accepted only when the key it names is one of them
 *       ({@link Refusal#UNKNOWN_KEY} otherwise) and the signature verifies over the exact value bytes
 *       ({@link Refusal#BAD_SIGNATURE} otherwise). An unsigned record is accepted, so signing can be switched on for
 *       a run already going, unless signatures are required ({@link Refusal#UNSIGNED}).</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class SnapshotVerifier {
    /** Accepts every record: nothing is verified. */
    public static final SnapshotVerifier NONE = new SnapshotVerifier(Map.of(), false);

    /** Why a record is refused; {@link #reason()} is the value of the log line's and the metric's {@code reason}. */
    public enum Refusal {
        /** No signature, and signatures are required. */
        UNSIGNED("unsigned"),
        /** The signature does not verify over the value bytes with the key it names (tampered, or forged). */
        BAD_SIGNATURE("bad-signature"),
        /** Signed by a key the verifier does not hold, or the record does not say which key. */
        UNKNOWN_KEY("unknown-key");

        private final String reason;

        Refusal(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final Map<String, PublicKey> keys;
    private final boolean requireSigned;

    private SnapshotVerifier(Map<String, PublicKey> keys, boolean requireSigned) {
        this.keys = keys;
        this.requireSigned = requireSigned;
    }

    /**
     * A verifier with these keys.
     *
     * @param requireSigned refuse unsigned records too
     * @throws IllegalArgumentException when there is no key
     */
    public static SnapshotVerifier of(List<PublicKey> keys, boolean requireSigned) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a snapshot verifier needs at least one public key");
        }
        Map<String, PublicKey> byId = new LinkedHashMap<>();
        for (PublicKey k : keys) {
            byId.put(SigningKeys.keyId(k), k);
        }
        return new SnapshotVerifier(Map.copyOf(byId), requireSigned);
    }

    /**
     * A verifier with the keys of an X.509 PEM file, or {@link #NONE} when {@code file} is null.
     *
     * @throws IllegalArgumentException naming the file when it holds no Ed25519 public key, or when signatures are
     *                                  required with no file
     */
    public static SnapshotVerifier fromPemFile(Path file, boolean requireSigned) {
        if (file == null) {
            if (requireSigned) {
                throw new IllegalArgumentException("--require-signed-policies needs --policy-public-key FILE: the key"
                        + " the snapshots are verified with");
            }
            return NONE;
        }
        return of(SigningKeys.readPublicKeys(file), requireSigned);
    }

    /** Whether anything is checked: false for {@link #NONE}. */
    public boolean active() {
        return !keys.isEmpty();
    }

    /** Whether unsigned records are refused. */
    public boolean requireSigned() {
        return requireSigned;
    }

    /** The ids of the keys accepted, for a start-up log line. */
    public List<String> keyIds() {
        return List.copyOf(keys.keySet());
    }

    /**
     * Checks one record. Not modified: {@code value}, {@code headers}.
     *
     * @return null when the record may be used, otherwise why not
     */
    public Refusal refusal(byte[] value, Headers headers) {
        if (keys.isEmpty()) {
            return null;
        }
        Header signature = headers.lastHeader(SignatureHeaders.SIGNATURE);
        if (signature == null || signature.value() == null) {
            return requireSigned ? Refusal.UNSIGNED : null;
        }
        Header keyId = headers.lastHeader(SignatureHeaders.KEY_ID);
        PublicKey key = keyId == null || keyId.value() == null ? null
                : keys.get(new String(keyId.value(), StandardCharsets.UTF_8));
        if (key == null) {
            return Refusal.UNKNOWN_KEY;
        }
        return verifies(key, value == null ? new byte[0] : value, signature.value()) ? null : Refusal.BAD_SIGNATURE;
    }

    /** Whether {@code signature} is {@code key}'s Ed25519 signature of {@code value}; a malformed one is not. */
    static boolean verifies(PublicKey key, byte[] value, byte[] signature) {
        try {
            Signature s = Signature.getInstance(SigningKeys.ALGORITHM);
            s.initVerify(key);
            s.update(value);
            return s.verify(signature);
        } catch (java.security.SignatureException e) {
            return false; // not 64 bytes, or not an encoding of a point: not a signature of this key
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot verify with Ed25519: " + e.getMessage(), e);
        }
    }
}
