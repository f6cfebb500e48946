package dev.trpo.connectors.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.trpo.policy.ActionSpace;

/**
 * {@link ProcessEnvironment} against real child processes (python3): the example CartPole of connectors/python
 * step for step against the built-in one, the wire format of continuous actions, the time limit, and the one-line
 * errors of processes that fail.
 */
class ProcessEnvironmentTest {
    private static final Path PYTHON_DIR = Path.of("python").toAbsolutePath();
    private static final Path SCRIPTS = Path.of("src/test/resources/process-env").toAbsolutePath();
    private static final String CARTPOLE = ProcessEnvironment.PREFIX + "python3 " + PYTHON_DIR.resolve("cartpole.py");

    private static String script(String name, String... args) {
        return ProcessEnvironment.PREFIX + "python3 " + SCRIPTS.resolve(name) + (args.length == 0 ? "" : " " + String.join(" ", args));
    }

    @Test
    void theExampleCartPoleStepsAsTheBuiltInOneFromTheSameState() {
        assertTrue(Environments.contains(CARTPOLE));
        try (Environment process = Environments.create(CARTPOLE)) {
            assertEquals(CARTPOLE, process.id());
            assertEquals(4, process.observationSize());
            assertEquals(new ActionSpace.Discrete(2), process.actionSpace());
            assertEquals(500, process.maxEpisodeSteps());
            CartPole builtIn = new CartPole();
            SplittableRandom actions = new SplittableRandom(11);
            double[] obs = new double[4];
            double[] builtInObs = new double[4];
            StepResult p = new StepResult(4);
            StepResult b = new StepResult(4);
            int steps = 0;
            for (int episode = 0; episode < 5; episode++) {
                process.reset(new SplittableRandom(100 + episode), obs);
                // the process's initial state, rounded to float32 by its observation: the two then differ by < 1e-8
                builtIn.setState(obs, builtInObs);
                assertArrayEquals(obs, builtInObs, 0.0);
                boolean done = false;
                while (!done) {
                    double[] a = {actions.nextInt(2)};
                    process.step(a, p);
                    builtIn.step(a, b);
                    steps++;
                    assertArrayEquals(b.observation, p.observation, 1e-6, "step " + steps);
                    assertEquals(b.reward, p.reward);
                    assertEquals(b.terminated, p.terminated, "step " + steps);
                    assertFalse(p.truncated);
                    done = p.done();
                }
            }
            assertTrue(steps > 50, "steps " + steps);
        }
    }

    @Test
    void aSeedGivesTheSameInitialStateAndAnotherSeedAnother() {
        double[] first = new double[4];
        double[] again = new double[4];
        double[] other = new double[4];
        try (Environment a = Environments.create(CARTPOLE); Environment b = Environments.create(CARTPOLE)) {
            a.reset(7L, first);
            b.reset(7L, again);
            a.reset(8L, other);
        }
        assertArrayEquals(first, again, 0.0);
        assertNotEquals(first[0], other[0]);
    }

    @Test
    void continuousActionsGoOverTheWireExactlyAndTheTimeLimitIsEnforcedHere() {
        try (Environment env = Environments.create(script("counter.py", PYTHON_DIR.toString()))) {
            assertEquals(4, env.observationSize(), "a 2x2 observation is flattened");
            assertEquals(new ActionSpace.Box(new double[] {-1.0, 0.0}, new double[] {1.0, 2.5}), env.actionSpace());
            assertEquals(5, env.maxEpisodeSteps());
            double[] obs = new double[4];
            env.reset(3L, obs);
            long seed = new SplittableRandom(3L).nextLong() >>> 1;
            assertArrayEquals(new double[] {0.0, seed % 1000, 0.0, 0.0}, obs, 0.0);
            StepResult r = new StepResult(4);
            double[] action = {0.1 + 0.2, Math.PI, 123.0}; // 0.30000000000000004 and pi must arrive unrounded
            for (int t = 1; t <= 5; t++) {
                env.step(action, 0, r);
                assertArrayEquals(new double[] {t, seed % 1000, 0.1 + 0.2, Math.PI}, r.observation, 0.0);
                assertEquals(0.1 + 0.2, r.reward, 0.0);
                assertFalse(r.terminated);
                assertEquals(t == 5, r.truncated, "truncated at the limit of 5, step " + t);
            }
            env.reset(4L, obs);
            env.step(new double[] {9, -0.5, 0.25}, 1, r);
            assertArrayEquals(new double[] {1, (new SplittableRandom(4L).nextLong() >>> 1) % 1000, -0.5, 0.25},
                    r.observation, 0.0, "the action starts at the offset");
            assertFalse(r.truncated, "the step count restarts at a reset");
        }
    }

    @Test
    void aProcessThatExitsAtOnceIsNamedWithItsExitStatusAndStandardError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Environments.create(script("exits.py")));
        assertTrue(e.getMessage().contains("exited before writing its spec"), e.getMessage());
        assertTrue(e.getMessage().contains("exit status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("no licence"), e.getMessage());
    }

    @Test
    void aProcessThatPrintsSomethingElseAndNoSpecIsToldWhereOtherOutputGoes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Environments.create(script("chatty.py")));
        assertTrue(e.getMessage().contains("exited before writing its spec"), e.getMessage());
        assertTrue(e.getMessage().contains("the last line it wrote instead was \"Welcome to the simulator 1.0\""),
                e.getMessage());
        assertTrue(e.getMessage().contains("standard error"), e.getMessage());
    }

    @Test
    void aBannerBeforeTheSpecAndPrintsDuringStepsDoNotBreakTheProtocol() {
        // noisy.py prints two banner lines before serve(), then print() and a raw write to descriptor 1 every step
        try (Environment env = Environments.create(script("noisy.py", PYTHON_DIR.toString()))) {
            assertEquals(1, env.observationSize());
            double[] obs = new double[1];
            StepResult r = new StepResult(1);
            for (int episode = 0; episode < 2; episode++) {
                env.reset(7L, obs);
                assertArrayEquals(new double[] {0.0}, obs, 0.0);
                for (int t = 1; t <= 3; t++) {
                    env.step(new double[] {0}, r);
                    assertArrayEquals(new double[] {t}, r.observation, 0.0, "step " + t);
                    assertEquals(t == 3, r.terminated, "step " + t);
                }
            }
        }
    }

    @Test
    void instancesThatCannotAllStartAreAllClosedAndTheFirstFailureIsReported(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        // once.py: the first process serves, every later one exits with status 3
        String id = script("once.py", PYTHON_DIR.toString(), tmp.resolve("licence").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Environments.create(id, 3));
        assertTrue(e.getMessage().contains("exited before writing its spec") && e.getMessage().contains("exit status 3")
                && e.getMessage().contains("the simulator licence is in use"), e.getMessage());
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (ProcessHandle.current().descendants().anyMatch(p -> p.isAlive()
                && p.info().commandLine().orElse("").contains("once.py"))) {
            assertTrue(System.nanoTime() < deadline, "the instance that did start is closed");
            Thread.sleep(50);
        }
        try (Environment one = Environments.create(script("counter.py", PYTHON_DIR.toString()), 1).get(0)) {
            assertEquals(4, one.observationSize(), "a count of one is one ordinary instance");
        }
        assertThrows(IllegalArgumentException.class, () -> Environments.create("CartPole-v1", 0));
    }

    @Test
    void eachProcessIsToldWhichInstanceItServes(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        // a bridge to a fleet of robots picks its robot by TRPO_ENV_INSTANCE (an actor's id, eval-<i>, ...)
        String id = script("whoami.py", PYTHON_DIR.toString(), tmp.toString());
        java.util.List<Environment> arms = Environments.create(id, 3, i -> "arm-" + i);
        arms.forEach(Environment::close);
        try (Environment single = Environments.create(id)) {
            assertEquals(1, single.observationSize());
        }
        java.util.Map<String, String> seen = new java.util.TreeMap<>();
        try (var files = java.nio.file.Files.list(tmp)) {
            for (Path f : files.toList()) {
                seen.put(f.getFileName().toString(), java.nio.file.Files.readString(f));
            }
        }
        assertEquals(java.util.Map.of("arm-0", "0", "arm-1", "1", "arm-2", "2", "instance-0", "0"), seen);
    }

    @Test
    void whetherTheTaskWasAchievedComesFromInfoIsSuccessWhenTheEnvironmentSaysIt() {
        try (Environment env = Environments.create(script("reaches.py", PYTHON_DIR.toString()))) {
            StepResult r = new StepResult(1);
            env.reset(new SplittableRandom(1), r.observation);
            double[] right = {1};
            env.step(right, r);
            assertEquals(null, r.success, "a step that says nothing");
            env.step(right, r);
            env.step(right, r);
            assertTrue(r.terminated);
            assertEquals(Boolean.TRUE, r.success);
            env.reset(new SplittableRandom(2), r.observation);
            double[] left = {0};
            for (int i = 0; i < 6; i++) {
                env.step(left, r);
            }
            assertTrue(r.truncated);
            assertEquals(Boolean.FALSE, r.success);
        }
        try (Environment cartPole = Environments.create(CARTPOLE)) {
            StepResult r = new StepResult(4);
            cartPole.reset(new SplittableRandom(1), r.observation);
            cartPole.step(new double[] {1}, r);
            assertEquals(null, r.success, "an environment whose info has no is_success");
        }
    }

    @Test
    void aGoalConditionedTaskWithADictObservationIsFlattenedBySortedKey() {
        // gymnasium-robotics' shape: {observation, achieved_goal, desired_goal}, flattened as Gymnasium's Dict space
        // orders them (sorted keys: achieved_goal, desired_goal, observation)
        try (Environment env = Environments.create(script("goal.py", PYTHON_DIR.toString()))) {
            assertEquals(4, env.observationSize());
            StepResult r = new StepResult(4);
            env.reset(new SplittableRandom(1), r.observation);
            assertArrayEquals(new double[] {0, 2, 0, -0.0}, r.observation);
            env.step(new double[] {1}, r);
            assertArrayEquals(new double[] {1, 2, 1, -1}, r.observation);
            env.step(new double[] {1}, r);
            assertTrue(r.terminated);
            assertEquals(Boolean.TRUE, r.success);
        }
    }

    @Test
    void aBadSpecNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Environments.create(script("badspec.py")));
        assertTrue(e.getMessage().contains("\"observation_size\" must be a positive integer, got 0"), e.getMessage());
    }

    @Test
    void aCommandThatDoesNotExistSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Environments.create(ProcessEnvironment.PREFIX + "/no/such/simulator --fast"));
        assertTrue(e.getMessage().contains("cannot start /no/such/simulator"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Environments.create(ProcessEnvironment.PREFIX + "  "));
    }

    @Test
    void aProcessThatDiesMidEpisodeReportsItsStandardError() {
        try (Environment env = Environments.create(script("dies.py"))) {
            assertEquals(new ActionSpace.Discrete(3), env.actionSpace());
            double[] obs = new double[1];
            env.reset(1L, obs);
            assertEquals(0.5, obs[0]);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> env.step(new double[] {2}, new StepResult(1)));
            assertTrue(e.getMessage().contains("exited during step"), e.getMessage());
            assertTrue(e.getMessage().contains("exit status 1"), e.getMessage());
            assertTrue(e.getMessage().contains("the robot arm hit its limit"), e.getMessage());
        }
    }

    @Test
    void aStepThatGetsNoAnswerWithinTheSpecsTimeoutKillsTheProcessAndSaysSo() {
        try (Environment env = Environments.create(script("hangs.py"))) {
            env.reset(1L, new double[1]);
            long start = System.nanoTime();
            EnvironmentFailure e = assertThrows(EnvironmentFailure.class,
                    () -> env.step(new double[] {1}, new StepResult(1)));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(e.getMessage().contains("did not answer step within 0.5 s and was killed"), e.getMessage());
            assertTrue(e.getMessage().contains("\"timeout_seconds\""), e.getMessage());
            assertTrue(e.getMessage().contains("waiting for the robot controller"), e.getMessage());
            assertTrue(seconds < 30, "failed after " + seconds + " s, not after the process's 60 s sleep");
        }
    }

    @Test
    void closingEndsTheProcess() throws Exception {
        ProcessEnvironment env = new ProcessEnvironment(CARTPOLE);
        ProcessHandle handle = ProcessHandle.of(env.pid()).orElseThrow();
        assertTrue(handle.isAlive());
        env.close();
        assertFalse(handle.isAlive());
        assertThrows(IllegalStateException.class, () -> env.reset(1L, new double[4]));
    }
}
