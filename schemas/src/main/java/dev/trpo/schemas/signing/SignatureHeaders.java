package dev.trpo.schemas.signing;

/**
 * Header names a signed snapshot record carries, on both the policies and the policy-history topic. The signature
 * covers the record's value bytes exactly as written (the single-object encoded {@code PolicySnapshot}), nothing else.
 */
public final class SignatureHeaders {
    /** The Ed25519 signature of the value bytes: 64 raw bytes. */
    public static final String SIGNATURE = "trpo.signature";
    /**
     * Which key signed: {@link SigningKeys#keyId} of its public key, 16 hex digits in UTF-8, so a verifier holding
     * several keys (a rotation) picks the one to check with.
     */
    public static final String KEY_ID = "trpo.signature.key";

    private SignatureHeaders() {
    }
}
