package dev.trpo.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.trpo.app.Cli.Result;

class CommandLineTest {
    private static Result run(String... args) {
        return Cli.run(args);
    }

    @Test
    void helpListsEverySubcommandOnOneLineEach() {
        Cli.Result r = run("--help");
        assertEquals(0, r.code());
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            assertTrue(r.out().contains("  " + name + " "), name + " missing from:\n" + r.out());
        }
    }

    @Test
    void everySubcommandHasHelp() {
        for (var entry : Main.commandLine().getSubcommands().entrySet()) {
            if (entry.getKey().equals("help")) {
                continue;
            }
            Cli.Result r = run(entry.getKey(), "--help");
            assertEquals(0, r.code(), entry.getKey());
            assertTrue(r.out().startsWith("Usage: trpo " + entry.getKey()), r.out());
        }
    }

    @Test
    void anUnknownFlagIsNamedAndExitsTwoWithoutAStackTrace() {
        Cli.Result r = run("broker", "--prot", "9092");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.err().contains("--prot"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void anOutOfRangeValueSaysWhatIsAcceptedAndExitsTwo() {
        Cli.Result r = run("broker", "--port", "70000");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.err().contains("1-65535"), r.err());
    }

    @Test
    void aBrokerOnAPortInUseSaysSoInOneLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cli.Result r = run("broker", "--port", Integer.toString(taken.getLocalPort()));
            assertEquals(Main.EXIT_USAGE, r.code());
            assertTrue(r.err().contains("--port " + taken.getLocalPort() + " is in use"), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void anInvalidRunIdIsRefusedBeforeContactingKafka() {
        Cli.Result r = run("topics", "create", "--run-id", "bad id!", "--bootstrap-servers", "127.0.0.1:1");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.err().contains("run id"), r.err());
    }

    @Test
    void aMissingClusterIsAUserError() {
        Cli.Result r = run("topics", "create", "--run-id", "ok");
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("--bootstrap-servers"), r.err());
    }

    /** Every command that talks to Kafka says, in one line, that nobody answered at the address it was given. */
    @ParameterizedTest
    @ValueSource(strings = {
        "topics create --run-id r1",
        "train --env CartPole-v1 --run-id r1 --metrics-port 0",
        "trainer --run-id r1 --env CartPole-v1 --metrics-port 0",
        "streams --run-id r1 --metrics-port 0",
        "connector --run-id r1 --env CartPole-v1 --metrics-port 0",
        "eval --run-id r1",
    })
    void aClusterThatDoesNotAnswerIsNamedInOneLine(String command, @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        java.nio.file.Path config = tmp.resolve("client.properties");
        Files.writeString(config, "default.api.timeout.ms=1500\n");
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--bootstrap-servers", "127.0.0.1:" + port, "--kafka-config", config.toString()));
        if (command.startsWith("train ")) {
            args.addAll(List.of("--run-dir", tmp.resolve("run").toString()));
        }
        if (command.startsWith("streams ")) {
            args.addAll(List.of("--state-dir", tmp.resolve("state").toString()));
        }
        Cli.Result r = run(args.toArray(String[]::new));
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.contains("no Kafka broker answered at 127.0.0.1:" + port + " within 1.5 s"), r.err());
        assertTrue(first.contains("--bootstrap-servers"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void aBootstrapHostThatDoesNotResolveIsNamedInOneLine() {
        Cli.Result r = run("topics", "create", "--run-id", "r1", "--bootstrap-servers", "no-such-host.invalid:9092");
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().startsWith("trpo topics create: cannot use bootstrap servers no-such-host.invalid:9092: "),
                r.err());
        assertTrue(r.err().contains("host names this machine resolves"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void envCheckOfAnUnknownEnvironmentNamesTheKnownOnes() {
        Cli.Result r = run("env", "check", "--env", "Nope-v0");
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("unknown environment 'Nope-v0'") && r.err().contains("CartPole-v1")
                && r.err().contains("process:<command>"), r.err());
    }

    @Test
    void anEnvironmentThatFailsIsReportedInItsOwnWordsWithoutAStackTrace() {
        String env = "process:python3 " + java.nio.file.Path.of("../connectors/src/test/resources/process-env/dies.py")
                .toAbsolutePath().normalize();
        Cli.Result r = run("env", "check", "--env", env);
        assertEquals(Main.EXIT_FAILURE, r.code(), r.err());
        assertTrue(r.err().startsWith("trpo env check: environment " + env + " exited during step (exit status 1)"),
                r.err());
        assertTrue(r.err().contains("the robot arm hit its limit"), r.err());
        assertFalse(r.err().contains("TRPO_DEBUG") || r.err().contains("Exception"), r.err());
    }

    @Test
    void trainRefusesBadSettingsBeforeStartingAnything() throws Exception {
        Result mode = run("train", "--env", "CartPole-v1", "--mode", "sometimes", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, mode.code(), mode.err());
        assertTrue(mode.err().contains("sync, async"), mode.err());

        Result actors = run("train", "--env", "CartPole-v1", "--actors", "3", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, actors.code(), actors.err());
        assertTrue(actors.err().contains("must divide the batch size 1024"), actors.err());

        Result every = run("train", "--env", "CartPole-v1", "--eval-every", "-1", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, every.code(), every.err());
        assertTrue(every.err().contains("--eval-every must be >= 0"), every.err());

        java.nio.file.Path file = Files.createTempFile("trpo-not-a-folder", "");
        Result runDir = run("train", "--env", "CartPole-v1", "--run-dir", file.resolve("run").toString(),
                "--metrics-port", "0");
        Files.delete(file);
        assertEquals(Main.EXIT_USAGE, runDir.code(), runDir.err());
        assertTrue(runDir.err().contains("cannot create the run folder " + file.resolve("run")
                + " (Not a directory): choose another --run-dir"), runDir.err());

        // a folder that holds another run is not written over unless asked
        java.nio.file.Path earlier = Files.createTempDirectory("trpo-earlier-run");
        Files.writeString(earlier.resolve("summary.json"), "{\"seed\": 1}");
        Result taken = run("train", "--env", "CartPole-v1", "--run-dir", earlier.toString(), "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, taken.code(), taken.err());
        assertTrue(taken.err().contains("the run folder " + earlier + " holds an earlier run (summary.json): choose another"
                + " --run-dir, or add --overwrite to replace that run"), taken.err());
        assertEquals("{\"seed\": 1}", Files.readString(earlier.resolve("summary.json")), "the earlier run is untouched");

        Result evalParallel = run("trainer", "--run-id", "r1", "--env", "CartPole-v1", "--eval-every", "10",
                "--eval-parallel", "0", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, evalParallel.code(), evalParallel.err());
        assertTrue(evalParallel.err().contains("--eval-parallel must be >= 1 (environment instances), got 0"),
                evalParallel.err());

        Result env = run("train", "--env", "Pong-v5", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, env.code(), env.err());
        assertTrue(env.err().contains("CartPole-v1"), "lists the known environments: " + env.err());
        assertFalse(env.err().contains("\tat "), env.err());
    }

    @Test
    void resumeRefusesWhatCannotGoOnBeforeStartingAnything(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path cartPole = snapshot(tmp, "CartPole-v1");
        Result otherEnv = run("train", "--resume", cartPole.toString(), "--env", "Acrobot-v1", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, otherEnv.code(), otherEnv.err());
        assertTrue(otherEnv.err().contains("was trained on CartPole-v1; it cannot go on with --env Acrobot-v1"),
                otherEnv.err());

        java.nio.file.Path marker = tmp.resolve("ran");
        java.nio.file.Path process = snapshot(tmp, "process:touch " + marker);
        Result unnamed = run("train", "--resume", process.toString(), "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, unnamed.code(), unnamed.err());
        assertTrue(unnamed.err().contains("give that command with --env to run it"), unnamed.err());
        assertFalse(Files.exists(marker), "the command a snapshot names is not run unless --env gives it");

        Cli.Result missing = run("train", "--resume", tmp.resolve("nothing.avro").toString(), "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, missing.code(), missing.err());
        assertTrue(missing.err().contains("cannot read " + tmp.resolve("nothing.avro") + ": no such file"), missing.err());

        Result neither = run("train", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, neither.code(), neither.err());
        assertTrue(neither.err().contains("--env is required"), neither.err());
        assertFalse(neither.err().contains("\tat "), neither.err());
    }

    @Test
    void evalGivesTheSameFiguresOnOneOrSeveralInstances(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path file = snapshot(tmp, "CartPole-v1");
        String one = stdoutOf("eval", "--policy", file.toString(), "--episodes", "7", "--json");
        String three = stdoutOf("eval", "--policy", file.toString(), "--episodes", "7", "--json", "--parallel", "3");
        assertTrue(one.contains("\"returns\""), one);
        assertEquals(one, three);

        Result bad = run("eval", "--policy", file.toString(), "--parallel", "0");
        assertEquals(Main.EXIT_USAGE, bad.code(), bad.err());
        assertTrue(bad.err().contains("--parallel 0 is out of range"), bad.err());
    }

    @Test
    void evalSaysHowManyEpisodesAchievedTheTaskWhenTheEnvironmentJudgesThem(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path tmp) throws Exception {
        String env = "process:python3 " + java.nio.file.Path.of("../connectors/src/test/resources/process-env/reaches.py")
                .toAbsolutePath().normalize() + " " + java.nio.file.Path.of("../connectors/python").toAbsolutePath().normalize();
        // always right: every episode reaches the goal
        dev.trpo.policy.ActorCritic right = dev.trpo.connectors.eval.FixedActionPolicy.always(1, 5);
        java.nio.file.Path file = tmp.resolve("reach.avro");
        Files.write(file, dev.trpo.schemas.AvroSerde.of(dev.trpo.schemas.PolicySnapshot.class).encode(
                dev.trpo.schemas.Snapshots.toSnapshot(right, new dev.trpo.schemas.Snapshots.Meta("reach", 1, 0L, env, null, 1,
                        java.util.Map.of(), dev.trpo.schemas.Snapshots.emptyCounters(), 0))));

        String text = stdoutOf("eval", "--policy", file.toString(), "--env", env, "--episodes", "5");
        assertTrue(text.contains("mean return 1.00 +/- 0.00 over 5 deterministic episodes (seed 1000), achieved the task"
                + " in 5 of 5"), text);
        String json = stdoutOf("eval", "--policy", file.toString(), "--env", env, "--episodes", "5", "--json");
        assertTrue(json.contains("\"success_rate\":1.0,\"episodes_judged\":5"), json);
        String cartPole = stdoutOf("eval", "--policy", snapshot(tmp, "CartPole-v1").toString(), "--episodes", "2", "--json");
        assertTrue(cartPole.contains("\"success_rate\":null"), cartPole);
    }

    /** What a command that prints its result on System.out printed; it must exit 0. */
    private static String stdoutOf(String... args) {
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Result r;
        try {
            System.setOut(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
            r = run(args);
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, r.code(), r.err());
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static java.nio.file.Path snapshot(java.nio.file.Path dir, String env) throws Exception {
        dev.trpo.policy.ActorCritic ac = dev.trpo.policy.ActorCritic.create(4, new dev.trpo.policy.ActionSpace.Discrete(2),
                new int[] {8}, dev.trpo.policy.Activation.TANH, 0.0, false, 1);
        dev.trpo.schemas.PolicySnapshot s = dev.trpo.schemas.Snapshots.toSnapshot(ac, new dev.trpo.schemas.Snapshots.Meta(
                "old", 3, 2L, env, null, 5, java.util.Map.of(), dev.trpo.schemas.Snapshots.emptyCounters(), 0));
        java.nio.file.Path file = dir.resolve(env.replaceAll("[^A-Za-z0-9-]", "_") + ".avro");
        Files.write(file, dev.trpo.schemas.AvroSerde.of(dev.trpo.schemas.PolicySnapshot.class).encode(s));
        return file;
    }

    @Test
    void aNegativeAsyncStepLimitIsAUserErrorThatSaysWhatIsAccepted() {
        Cli.Result r = run("connector", "--run-id", "ok", "--env", "CartPole-v1", "--mode", "async",
                "--async-max-steps-per-version", "-5", "--bootstrap-servers", "127.0.0.1:1", "--metrics-port", "0");
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("async-max-steps-per-version must be >= 0"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void evalOfAFileThatIsNotASnapshotIsAUserError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path file = Files.writeString(tmp.resolve("policy.avro"), "not a policy");
        Cli.Result r = run("eval", "--policy", file.toString());
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertTrue(r.err().contains("is not a policy snapshot") && r.err().contains("BAD_MARKER"), r.err());
    }
}
