package dev.trpo.schemas.signing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 keys for signing snapshots: generated, written and read as PEM (the private key PKCS#8
 * {@code PRIVATE KEY}, as {@code openssl genpkey -algorithm ed25519} writes it; the public key X.509
 * {@code PUBLIC KEY}, as {@code openssl pkey -pubout} writes it), and named by a short key id.
 *
 * <p>Every error is an {@link IllegalArgumentException} that names the file and what to do.
 */
public final class SigningKeys {
    /** The JDK's name of the algorithm, for {@code KeyPairGenerator}, {@code KeyFactory} and {@code Signature}. */
    public static final String ALGORITHM = "Ed25519";
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32 key bytes follow. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private SigningKeys() {
    }

    /** A new key pair from the JDK's strong random source. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (Java 15 or newer has it)", e);
        }
    }

    /** The private key as a PKCS#8 PEM text. */
    public static String privateKeyPem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** The public key as an X.509 PEM text. */
    public static String publicKeyPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    /**
     * The key id: the first 8 bytes of the SHA-256 of the public key's X.509 encoding, as 16 lower-case hex digits.
     * Short enough for a log line, long enough that two keys of one operator do not collide.
     */
    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /**
     * Reads the Ed25519 private key of a PKCS#8 PEM file (the first {@code PRIVATE KEY} block).
     *
     * @throws IllegalArgumentException when the file cannot be read, holds no unencrypted PKCS#8 block, or the key
     *                                  is not Ed25519
     */
    public static PrivateKey readPrivateKey(Path file) {
        String text = read(file, "private key");
        List<byte[]> blocks = blocks(text, "PRIVATE KEY");
        if (blocks.isEmpty()) {
            String hint = text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
                    ? "it is encrypted: store it unencrypted, readable by the trainer only (openssl pkey -in F -out G)"
                    : text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
                    ? "it is an OpenSSH key: use a PKCS#8 one (./trpo keys generate, or openssl genpkey -algorithm ed25519)"
                    : "no -----BEGIN PRIVATE KEY----- block (make one with ./trpo keys generate)";
            throw new IllegalArgumentException("private key " + file + ": " + hint);
        }
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException("private key " + file + ": not an Ed25519 key (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    /**
     * Reads every Ed25519 public key of an X.509 PEM file: one, or several {@code PUBLIC KEY} blocks one after
     * another while keys are rotated.
     *
     * @throws IllegalArgumentException when the file cannot be read, holds no {@code PUBLIC KEY} block, or a key is
     *                                  not Ed25519
     */
    public static List<PublicKey> readPublicKeys(Path file) {
        String text = read(file, "public key");
        List<byte[]> blocks = blocks(text, "PUBLIC KEY");
        if (blocks.isEmpty()) {
            String hint = text.contains("PRIVATE KEY-----")
                    ? "it holds a private key: give the verifiers the public key only (policy-signing.pub)"
                    : "no -----BEGIN PUBLIC KEY----- block (./trpo keys generate writes one)";
            throw new IllegalArgumentException("public key " + file + ": " + hint);
        }
        List<PublicKey> keys = new ArrayList<>();
        for (byte[] der : blocks) {
            keys.add(publicKey(der, "public key " + file));
        }
        return List.copyOf(keys);
    }

    /**
     * The public key of an Ed25519 private key. The JDK does not expose it, so it is computed here (RFC 8032, 5.1.5:
     * the clamped scalar of SHA-512(seed) times the base point); {@link SnapshotSigner} checks the result by
     * verifying a signature of its own, so a wrong computation could not go unnoticed.
     */
    public static PublicKey publicKeyOf(PrivateKey key) {
        if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
        }
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-512").digest(ed.getBytes().get());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-512", e);
        }
        byte[] a = Arrays.copyOf(h, 32);
        a[0] &= (byte) 248;
        a[31] &= 127;
        a[31] |= 64;
        byte[] encoded = Edwards25519.encode(Edwards25519.baseMultiple(littleEndian(a)));
        byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + 32);
        System.arraycopy(encoded, 0, der, X509_PREFIX.length, 32);
        return publicKey(der, "derived public key");
    }

    private static PublicKey publicKey(byte[] der, String what) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException(what + ": not an Ed25519 key (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    private static String read(Path file, String what) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(what + " " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(what + " " + file + ": permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " " + file + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    private static List<byte[]> blocks(String text, String type) {
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return out;
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] big = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            big[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, big);
    }

    /**
     * The twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19), in affine coordinates: slow (a
     * modular inverse per addition), which is fine for the one multiplication a key load needs, and never touches a
     * signature, which the JDK makes.
     */
    private static final class Edwards25519 {
        static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
        static final BigInteger D = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
        static final BigInteger[] BASE = {
            new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202"),
            BigInteger.valueOf(4).multiply(BigInteger.valueOf(5).modInverse(P)).mod(P)};

        static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
            BigInteger x1y2 = p[0].multiply(q[1]);
            BigInteger y1x2 = p[1].multiply(q[0]);
            BigInteger x1x2 = p[0].multiply(q[0]);
            BigInteger y1y2 = p[1].multiply(q[1]);
            BigInteger dxy = D.multiply(x1x2).multiply(y1y2).mod(P);
            BigInteger x = x1y2.add(y1x2).multiply(BigInteger.ONE.add(dxy).modInverse(P)).mod(P);
            BigInteger y = y1y2.add(x1x2).multiply(BigInteger.ONE.subtract(dxy).mod(P).modInverse(P)).mod(P);
            return new BigInteger[] {x, y};
        }

        static BigInteger[] baseMultiple(BigInteger scalar) {
            BigInteger[] result = {BigInteger.ZERO, BigInteger.ONE};
            for (int i = scalar.bitLength() - 1; i >= 0; i--) {
                result = add(result, result);
                if (scalar.testBit(i)) {
                    result = add(result, BASE);
                }
            }
            return result;
        }

        /** RFC 8032, 5.1.2: y in 32 little-endian bytes, the top bit holding the parity of x. */
        static byte[] encode(BigInteger[] point) {
            byte[] big = point[1].toByteArray();
            byte[] out = new byte[32];
            for (int i = 0; i < 32 && i < big.length; i++) {
                out[i] = big[big.length - 1 - i];
            }
            if (point[0].testBit(0)) {
                out[31] |= (byte) 0x80;
            }
            return out;
        }
    }
}
