package dev.trpo.schemas.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.List;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing and verifying snapshot bytes, and reading the keys' PEM files. */
class SnapshotSignatureTest {
    /** Generated with {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout}: test use only. */
    private static final Path OPENSSL_KEY = Path.of("src/test/resources/signing/openssl-ed25519.key");
    private static final Path OPENSSL_PUB = Path.of("src/test/resources/signing/openssl-ed25519.pub");

    private static final byte[] VALUE = "a policy snapshot's value bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private static Headers signed(SnapshotSigner signer, byte[] value) {
        Headers h = new RecordHeaders();
        signer.addHeaders(value, h);
        return h;
    }

    @Test
    void aSignedValueVerifiesWithTheSignersPublicKey() {
        SnapshotSigner signer = SnapshotSigner.of(SigningKeys.generate().getPrivate());
        SnapshotVerifier verifier = SnapshotVerifier.of(List.of(signer.publicKey()), true);

        Headers h = signed(signer, VALUE);

        assertNull(verifier.refusal(VALUE, h));
        assertEquals(64, h.lastHeader(SignatureHeaders.SIGNATURE).value().length);
        assertEquals(signer.keyId(), new String(h.lastHeader(SignatureHeaders.KEY_ID).value(), StandardCharsets.UTF_8));
        assertEquals(16, signer.keyId().length());
    }

    @Test
    void oneChangedByteUnderACopiedSignatureIsABadSignature() {
        SnapshotSigner signer = SnapshotSigner.of(SigningKeys.generate().getPrivate());
        SnapshotVerifier verifier = SnapshotVerifier.of(List.of(signer.publicKey()), false);
        Headers h = signed(signer, VALUE);
        byte[] tampered = VALUE.clone();
        tampered[7] ^= 1;

        assertEquals(SnapshotVerifier.Refusal.BAD_SIGNATURE, verifier.refusal(tampered, h));
    }

    @Test
    void anotherKeysSignatureIsRefusedWhateverKeyIdItClaims() {
        SnapshotSigner trainer = SnapshotSigner.of(SigningKeys.generate().getPrivate());
        SnapshotSigner other = SnapshotSigner.of(SigningKeys.generate().getPrivate());
        SnapshotVerifier verifier = SnapshotVerifier.of(List.of(trainer.publicKey()), false);
        Headers own = signed(other, VALUE);
        Headers claimed = new RecordHeaders();
        claimed.add(SignatureHeaders.SIGNATURE, other.sign(VALUE));
        claimed.add(SignatureHeaders.KEY_ID, trainer.keyId().getBytes(StandardCharsets.UTF_8));
        Headers noKeyId = new RecordHeaders().add(SignatureHeaders.SIGNATURE, trainer.sign(VALUE));
        Headers shortSignature = new RecordHeaders().add(SignatureHeaders.SIGNATURE, new byte[3])
                .add(SignatureHeaders.KEY_ID, trainer.keyId().getBytes(StandardCharsets.UTF_8));

        assertEquals(SnapshotVerifier.Refusal.UNKNOWN_KEY, verifier.refusal(VALUE, own));
        assertEquals(SnapshotVerifier.Refusal.BAD_SIGNATURE, verifier.refusal(VALUE, claimed));
        assertEquals(SnapshotVerifier.Refusal.UNKNOWN_KEY, verifier.refusal(VALUE, noKeyId));
        assertEquals(SnapshotVerifier.Refusal.BAD_SIGNATURE, verifier.refusal(VALUE, shortSignature));
    }

    @Test
    void unsignedIsRefusedOnlyWhenSignaturesAreRequired() {
        PublicKey key = SigningKeys.generate().getPublic();

        assertNull(SnapshotVerifier.NONE.refusal(VALUE, new RecordHeaders()));
        assertNull(SnapshotVerifier.of(List.of(key), false).refusal(VALUE, new RecordHeaders()));
        assertEquals(SnapshotVerifier.Refusal.UNSIGNED,
                SnapshotVerifier.of(List.of(key), true).refusal(VALUE, new RecordHeaders()));
        assertThrows(IllegalArgumentException.class, () -> SnapshotVerifier.fromPemFile(null, true));
    }

    @Test
    void theComputedPublicKeyIsTheOneGeneratedWithThePrivateKey() {
        for (int i = 0; i < 32; i++) {
            KeyPair pair = SigningKeys.generate();

            PublicKey computed = SigningKeys.publicKeyOf(pair.getPrivate());

            assertArrayEquals(pair.getPublic().getEncoded(), computed.getEncoded(), "key pair " + i);
        }
    }

    @Test
    void opensslsPemFilesAreRead() {
        SnapshotSigner signer = SnapshotSigner.fromPemFile(OPENSSL_KEY);
        SnapshotVerifier verifier = SnapshotVerifier.fromPemFile(OPENSSL_PUB, true);

        assertEquals(List.of(signer.keyId()), verifier.keyIds());
        assertEquals("f17738b097262f2c", signer.keyId());
        assertNull(verifier.refusal(VALUE, signed(signer, VALUE)));
    }

    @Test
    void writtenPemFilesReadBackAsTheSameKeys() throws Exception {
        KeyPair pair = SigningKeys.generate();
        Path key = Files.writeString(tmp.resolve("k.key"), SigningKeys.privateKeyPem(pair.getPrivate()));
        Path pub = Files.writeString(tmp.resolve("k.pub"), SigningKeys.publicKeyPem(pair.getPublic()));

        assertArrayEquals(pair.getPrivate().getEncoded(), SigningKeys.readPrivateKey(key).getEncoded());
        assertArrayEquals(pair.getPublic().getEncoded(), SigningKeys.readPublicKeys(pub).get(0).getEncoded());
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    }

    @Test
    void aPublicKeyFileMayHoldTheKeysOfARotation() throws Exception {
        SnapshotSigner old = SnapshotSigner.of(SigningKeys.generate().getPrivate());
        SnapshotSigner next = SnapshotSigner.of(SigningKeys.generate().getPrivate());
        Path both = Files.writeString(tmp.resolve("both.pub"),
                SigningKeys.publicKeyPem(old.publicKey()) + SigningKeys.publicKeyPem(next.publicKey()));

        SnapshotVerifier verifier = SnapshotVerifier.fromPemFile(both, true);

        assertNull(verifier.refusal(VALUE, signed(old, VALUE)));
        assertNull(verifier.refusal(VALUE, signed(next, VALUE)));
    }

    @Test
    void aWrongKeyFileIsOneMessageNamingItAndTheFix() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        Path rsaKey = Files.writeString(tmp.resolve("rsa.key"),
                SigningKeys.privateKeyPem(rsa.generateKeyPair().getPrivate()));
        Path encrypted = Files.writeString(tmp.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path missing = tmp.resolve("missing.key");

        assertTrue(message(() -> SigningKeys.readPrivateKey(rsaKey)).contains("not an Ed25519 key"));
        assertTrue(message(() -> SigningKeys.readPrivateKey(encrypted)).contains("encrypted"));
        assertTrue(message(() -> SigningKeys.readPrivateKey(missing)).endsWith(missing + ": no such file"));
        assertTrue(message(() -> SigningKeys.readPrivateKey(OPENSSL_PUB)).contains("no -----BEGIN PRIVATE KEY----- block"));
        assertTrue(message(() -> SigningKeys.readPublicKeys(OPENSSL_KEY)).contains("give the verifiers the public key"));
    }

    private static String message(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }
}
