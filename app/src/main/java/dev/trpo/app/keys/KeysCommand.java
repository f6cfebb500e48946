package dev.trpo.app.keys;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code trpo keys}: the policy signing keys. Without a subcommand it prints its usage. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Policy signing keys: generate the trainer's private key and the verifiers' public key.",
        subcommands = {KeysGenerateCommand.class})
public final class KeysCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
