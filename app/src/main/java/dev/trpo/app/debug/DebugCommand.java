package dev.trpo.app.debug;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code trpo debug}: conformance and inspection tools. */
@Command(name = "debug", mixinStandardHelpOptions = true, description = "Conformance and inspection tools (trpo-step).",
        subcommands = TrpoStepCommand.class)
public final class DebugCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
