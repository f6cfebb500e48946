package dev.trpo.app.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.concurrent.Callable;

import dev.trpo.app.cli.UsageException;
import dev.trpo.schemas.signing.SigningKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trpo keys generate --out DIR}: a new Ed25519 key pair, {@value #PRIVATE_FILE} (PKCS#8 PEM, mode 600: for the
 * trainer's {@code --signing-key}) and {@value #PUBLIC_FILE} (X.509 PEM: for {@code --policy-public-key}). Existing
 * files are never overwritten: a lost signing key would leave every verifier refusing the new snapshots.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Write a new Ed25519 key pair for signing policy snapshots.",
            "DIR/" + KeysGenerateCommand.PRIVATE_FILE + " (private, mode 600: the trainer's --signing-key) and DIR/"
                + KeysGenerateCommand.PUBLIC_FILE + " (public: --policy-public-key of connectors and eval)."})
public final class KeysGenerateCommand implements Callable<Integer> {
    /** The private key's file name. */
    public static final String PRIVATE_FILE = "policy-signing.key";
    /** The public key's file name. */
    public static final String PUBLIC_FILE = "policy-signing.pub";

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Folder to write the two files to (created when missing).")
    Path out;

    @Override
    public Integer call() {
        Path privateFile = out.resolve(PRIVATE_FILE);
        Path publicFile = out.resolve(PUBLIC_FILE);
        for (Path f : new Path[] {privateFile, publicFile}) {
            if (Files.exists(f)) {
                throw new UsageException(f + " exists: keys are not overwritten (remove it, or choose another --out)");
            }
        }
        KeyPair pair = SigningKeys.generate();
        try {
            Files.createDirectories(out);
            writeOwnerOnly(privateFile, SigningKeys.privateKeyPem(pair.getPrivate()));
            Files.writeString(publicFile, SigningKeys.publicKeyPem(pair.getPublic()), StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException e) {
            throw new UsageException(e.getFile() + " exists: keys are not overwritten");
        } catch (IOException e) {
            throw new UsageException("cannot write the keys to " + out + ": " + e.getMessage());
        }
        System.out.println("wrote " + privateFile + " (private: for the trainer only, --signing-key) and " + publicFile
                + " (public: --policy-public-key of connectors and eval); key id " + SigningKeys.keyId(pair.getPublic()));
        return 0;
    }

    /** Creates the file readable by its owner only before any byte of the key is in it. */
    private static void writeOwnerOnly(Path file, String text) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not a POSIX file system: its own access control applies
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }
}
