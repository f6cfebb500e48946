package dev.trpo.app;

import java.io.PrintWriter;

import dev.trpo.app.cli.UsageException;
import dev.trpo.app.debug.DebugCommand;
import dev.trpo.app.env.EnvCommand;
import dev.trpo.app.eval.EvalCommand;
import dev.trpo.app.eval.ExportCommand;
import dev.trpo.app.kafka.BrokerCommand;
import dev.trpo.app.keys.KeysCommand;
import dev.trpo.app.kafka.TopicsCommand;
import dev.trpo.app.train.ReportCommand;
import dev.trpo.app.train.TrainCommand;
import dev.trpo.app.watch.WatchCommand;
import dev.trpo.app.connector.ConnectorCommand;
import dev.trpo.app.trainer.TrainerCommand;
import dev.trpo.app.streams.StreamsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** Entry point of {@code ./trpo}: registers the subcommands and turns every failure into one line and an exit code. */
@Command(name = "trpo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "TRPO as a streaming learning pipeline on Apache Kafka.",
        subcommands = {
            HelpCommand.class,
            TrainCommand.class,
            ConnectorCommand.class,
            StreamsCommand.class,
            TrainerCommand.class,
            BrokerCommand.class,
            TopicsCommand.class,
            EnvCommand.class,
            EvalCommand.class,
            ExportCommand.class,
            WatchCommand.class,
            ReportCommand.class,
            DebugCommand.class,
            dev.trpo.app.chaos.ChaosCommand.class,
            KeysCommand.class,
        })
public final class Main implements Runnable {
    /** Exit code of a user error (bad flag, bad file, bad config). */
    public static final int EXIT_USAGE = 2;
    /** Exit code of a failure that is not the user's. */
    public static final int EXIT_FAILURE = 1;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line: one-line errors, exit code 2 for user errors. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler(Main::onException);
        cmd.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("trpo: " + ex.getMessage());
            err.println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for the options.");
            return EXIT_USAGE;
        });
        return cmd;
    }

    private static int onException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        Throwable cause = ex;
        if (cause instanceof UsageException || cause instanceof IllegalArgumentException) {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + cause.getMessage());
            return EXIT_USAGE;
        }
        String refused = kafkaRefusal(ex);
        if (refused != null) {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + refused);
            return EXIT_USAGE;
        }
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof dev.trpo.connectors.env.EnvironmentFailure) {
                // the environment's own failure, worded with its exit status and standard error: no trpo stack trace
                err.println(cmd.getCommandSpec().qualifiedName() + ": " + c.getMessage());
                return EXIT_FAILURE;
            }
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": failed: " + describe(cause));
        if (System.getenv("TRPO_DEBUG") != null) {
            ex.printStackTrace(err);
        } else {
            err.println("(set TRPO_DEBUG=1 to see the stack trace)");
        }
        return EXIT_FAILURE;
    }

    /**
     * One line for Kafka refusing the client's credentials or its ACLs (anywhere in the cause chain, e.g. inside an
     * ExecutionException), or null: both are the user's settings to fix, not a failure with a stack trace.
     */
    private static String kafkaRefusal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String message = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage().strip();
            if (c instanceof org.apache.kafka.common.errors.SslAuthenticationException) {
                return "Kafka TLS handshake failed: " + message + rootCause(c) + " (the client does not trust the"
                        + " broker's certificate, or the certificate does not name the host: check ssl.truststore.*"
                        + " and ssl.endpoint.identification.algorithm given with --kafka-config)";
            }
            if (c instanceof org.apache.kafka.common.errors.AuthenticationException) {
                return "Kafka authentication failed: " + message + " (check the user, password and sasl.*/ssl.* settings"
                        + " given with --kafka-config)";
            }
            if (c instanceof org.apache.kafka.common.errors.AuthorizationException) {
                return "not authorized by Kafka: " + message + " (the principal lacks an ACL; see the ACLs per component"
                        + " in docs/operations.md)";
            }
        }
        return null;
    }

    /** ": <message of the innermost cause>" when it says more than {@code t}'s own message, else "". */
    private static String rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root == t || m == null || m.isBlank() ? "" : ": " + m.strip();
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Throwable c = t;
        int depth = 0;
        while (c != null && depth++ < 4) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (!sb.toString().contains(m)) { // a wrapper that repeats its cause's message says it once
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m);
            }
            if (c.getCause() == c) {
                break;
            }
            c = c.getCause();
        }
        return sb.toString();
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"trpo " + (v == null ? "dev" : v)};
        }
    }
}
