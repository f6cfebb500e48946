package dev.trpo.app.env;

import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.policy.ActionSpace;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code trpo env list}: one row per registered environment with its spaces and time limit. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Show every registered environment: id, observation size, action space, time limit.")
public final class EnvListCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String format = "%-26s %11s  %-22s %10s%n";
        out.printf(format, "ID", "OBSERVATION", "ACTION SPACE", "TIME LIMIT");
        for (Environment env : Environments.createAll()) {
            out.printf(format, env.id(), env.observationSize(), describe(env.actionSpace()), env.maxEpisodeSteps());
        }
        out.println("Any other simulator runs in a child process: --env \"process:<command> [args...]\""
                + " (connectors/README.md; check one with ./trpo env check).");
        out.flush();
        return 0;
    }

    static String describe(ActionSpace space) {
        if (space instanceof ActionSpace.Discrete d) {
            return "Discrete(" + d.n() + ")";
        }
        ActionSpace.Box box = (ActionSpace.Box) space;
        return "Box(" + Arrays.toString(box.low()) + ", " + Arrays.toString(box.high()) + ")";
    }
}
