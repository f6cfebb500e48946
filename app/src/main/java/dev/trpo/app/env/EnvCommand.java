package dev.trpo.app.env;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code trpo env}: the environments the actors can run. Without a subcommand it prints its usage. */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = "List the environments, trace or check their trajectories, check one before a run.",
        subcommands = {EnvListCommand.class, EnvTraceCommand.class, EnvCheckCommand.class})
public final class EnvCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
