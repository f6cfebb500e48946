package dev.trpo.app.env;

import dev.trpo.connectors.env.Conformance;
import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.ProcessEnvironment;
import dev.trpo.connectors.env.EpisodeComparison;
import dev.trpo.connectors.env.Trace;
import dev.trpo.connectors.env.TraceCodec;
import dev.trpo.connectors.env.TraceReplayer;
import dev.trpo.policy.ActionSpace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trpo env trace}: with {@code --check FILE} replays every episode of a golden-format file open loop and
 * compares it within the golden tolerances (exit 1 on any mismatch); otherwise runs one episode and prints its
 * steps as a JSON line of the same shape. Exit 2 on bad input, with one error line.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Print an episode's steps as JSON lines, or check a golden-format file (--check).")
public final class EnvTraceCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--check", paramLabel = "FILE.jsonl",
            description = "Replay every episode of this file (env_id, initial_state, actions) and compare each step.")
    private Path check;

    @Option(names = "--env", paramLabel = "ID", description = "The environment to trace (see 'trpo env list').")
    private String envId;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of the initial state and of random actions (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--initial-state", paramLabel = "X,Y,...",
            description = "Start from this raw state instead of a seeded reset.")
    private String initialState;

    @Option(names = "--actions", paramLabel = "A,B,...",
            description = "The actions, comma-separated; the values of one continuous action colon-separated. "
                    + "Default: uniformly random actions from --seed until the episode ends.")
    private String actions;

    @Option(names = "--steps", paramLabel = "N",
            description = "With random actions, at most this many steps (default: the time limit).")
    private Integer steps;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            int code = check != null ? check(out) : trace(out);
            out.flush();
            return code;
        } catch (NoSuchFileException e) {
            err.println("error: no such file: " + e.getFile());
        } catch (IOException e) {
            err.println("error: cannot read " + check + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
        }
        err.flush();
        return 2;
    }

    private int check(PrintWriter out) throws IOException {
        if (envId != null || actions != null || initialState != null || steps != null) {
            throw new IllegalArgumentException("--check takes the environments, states and actions from the file; "
                    + "drop --env, --actions, --initial-state and --steps");
        }
        List<Trace> expected = TraceCodec.readAll(check);
        if (expected.isEmpty()) {
            throw new IllegalArgumentException(check + " holds no episode");
        }
        int failed = 0;
        for (Trace trace : expected) {
            EpisodeComparison comparison = Conformance.check(trace);
            out.println(comparison.summary());
            if (!comparison.passed()) {
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private int trace(PrintWriter out) {
        if (envId == null) {
            throw new IllegalArgumentException("give --env ID (see 'trpo env list') or --check FILE.jsonl");
        }
        if (ProcessEnvironment.isProcessId(envId)) {
            throw new IllegalArgumentException("env trace replays JVM environments from a raw state; " + envId
                    + " keeps its state in its own process");
        }
        Environment env = Environments.create(envId);
        ActionSpace space = env.actionSpace();
        SplittableRandom rng = new SplittableRandom(seed);
        double[] start;
        if (initialState != null) {
            start = TraceCodec.parseNumbers(initialState);
        } else {
            env.reset(rng, new double[env.observationSize()]);
            start = new double[env.stateSize()];
            env.state(start);
        }
        List<double[]> actionList;
        if (actions != null) {
            actionList = TraceCodec.parseActions(actions, space.actionDim());
        } else {
            int n = steps == null ? env.maxEpisodeSteps() : steps;
            if (n < 0) {
                throw new IllegalArgumentException("--steps must be >= 0, got " + n);
            }
            actionList = TraceReplayer.randomActions(space, n, rng);
        }
        Trace trace = TraceReplayer.replay(env, 0, start, actionList);
        out.println(TraceCodec.toJsonLine(trace, space instanceof ActionSpace.Discrete));
        return 0;
    }
}
