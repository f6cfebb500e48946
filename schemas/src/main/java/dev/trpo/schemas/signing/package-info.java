/**
 * Signed policy snapshots: the trainer signs the exact value bytes of every snapshot it publishes with Ed25519 and
 * puts the signature in the record's headers ({@link dev.trpo.schemas.signing.SignatureHeaders}), so the Avro
 * schema does not change; actors and {@code trpo eval} verify it against a configured public key
 * ({@link dev.trpo.schemas.signing.SnapshotVerifier}). Keys are PEM files ({@link dev.trpo.schemas.signing.SigningKeys}):
 * PKCS#8 for the trainer's private key, X.509 SubjectPublicKeyInfo for the verifiers' public keys.
 */
package dev.trpo.schemas.signing;
