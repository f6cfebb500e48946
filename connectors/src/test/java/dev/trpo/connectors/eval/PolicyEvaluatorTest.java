package dev.trpo.connectors.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.ProcessEnvironment;
import dev.trpo.connectors.env.StepResult;
import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;

/** Deterministic evaluation: what episodes it plays, and that playing them on several instances changes nothing. */
class PolicyEvaluatorTest {
    private static ActorCritic policyFor(String envId, double logStd) {
        try (Environment env = Environments.create(envId)) {
            return ActorCritic.create(env.observationSize(), env.actionSpace(), new int[] {16, 16}, Activation.TANH,
                    logStd, false, 11);
        }
    }

    /** The evaluation written out plainly: one instance, episode e from seed + e, the policy's action one at a time. */
    private static double[] sequentialReturns(ActorCritic policy, String envId, int episodes, long seed) {
        double[] returns = new double[episodes];
        try (Environment env = Environments.create(envId)) {
            double[] obs = new double[env.observationSize()];
            double[] action = new double[policy.actionDim()];
            StepResult step = new StepResult(env.observationSize());
            var ws = policy.workspace(1);
            for (int e = 0; e < episodes; e++) {
                env.reset(seed + e, obs);
                boolean done = false;
                while (!done) {
                    policy.act(obs, 1, new SplittableRandom(0), true, action, new double[1], null, ws);
                    if (policy.actionSpace() instanceof ActionSpace.Box box) {
                        for (int j = 0; j < action.length; j++) {
                            action[j] = Math.max(box.low()[j], Math.min(box.high()[j], action[j]));
                        }
                    }
                    env.step(action, 0, step);
                    returns[e] += step.reward;
                    System.arraycopy(step.observation, 0, obs, 0, obs.length);
                    done = step.done();
                }
            }
        }
        return returns;
    }

    @Test
    void theReturnsDoNotDependOnHowManyInstancesPlayThem() {
        for (String envId : new String[] {"CartPole-v1", "Pendulum-v1", "MountainCarContinuous-v0"}) {
            ActorCritic policy = policyFor(envId, -0.5);
            double[] expected = sequentialReturns(policy, envId, 7, 40);
            for (int instances : new int[] {1, 2, 3, 7, 20}) {
                PolicyEvaluator.Result r = PolicyEvaluator.evaluate(policy, envId, 7, 40, instances);
                assertArrayEquals(expected, r.returns(), 0.0, envId + " on " + instances + " instances");
            }
        }
    }

    @Test
    void episodesOfDifferentLengthsAreEachRecordedUnderTheirOwnIndex() {
        // CartPole episodes end at different steps, so instances finish out of order and take the next episode
        ActorCritic policy = policyFor("CartPole-v1", 0.0);
        PolicyEvaluator.Result one = PolicyEvaluator.evaluate(policy, "CartPole-v1", 9, 3, 1);
        PolicyEvaluator.Result four = PolicyEvaluator.evaluate(policy, "CartPole-v1", 9, 3, 4);
        assertArrayEquals(one.lengths(), four.lengths());
        assertTrue(java.util.Arrays.stream(one.lengths()).distinct().count() > 1, "lengths differ between episodes");
        for (int e = 0; e < 9; e++) {
            assertEquals(one.lengths()[e], one.returns()[e], 0.0, "CartPole's return is its length");
        }
    }

    @Test
    void aSimulatorInChildProcessesGivesTheSameEvaluationOnOneOrFourOfThem() {
        String env = ProcessEnvironment.PREFIX + "python3 " + Path.of("python/cartpole.py").toAbsolutePath();
        ActorCritic policy = policyFor("CartPole-v1", 0.0);
        PolicyEvaluator.Result one = PolicyEvaluator.evaluate(policy, env, 6, 5, 1);
        PolicyEvaluator.Result four = PolicyEvaluator.evaluate(policy, env, 6, 5, 4);
        assertArrayEquals(one.returns(), four.returns(), 0.0);
        assertEquals(env, four.envId());
    }

    @Test
    void theEvaluationsProcessesAreToldTheyServeAnEvaluation(@org.junit.jupiter.api.io.TempDir Path told) throws Exception {
        String env = ProcessEnvironment.PREFIX + "python3 " + Path.of("src/test/resources/process-env/whoami.py")
                .toAbsolutePath() + " " + Path.of("python").toAbsolutePath() + " " + told;
        ActorCritic policy = ActorCritic.create(1, new ActionSpace.Discrete(2), new int[] {4}, Activation.TANH, 0.0,
                false, 1L);
        assertEquals(3, PolicyEvaluator.evaluate(policy, env, 3, 1, 2).returns().length);
        try (var files = java.nio.file.Files.list(told)) {
            assertEquals(java.util.List.of("eval-0", "eval-1"), files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "two instances play the three episodes");
        }
    }

    @Test
    void theShareOfEpisodesThatAchievedTheTaskIsCountedWhenTheEnvironmentSaysIt() {
        String env = ProcessEnvironment.PREFIX + "python3 " + Path.of("src/test/resources/process-env/reaches.py")
                .toAbsolutePath() + " " + Path.of("python").toAbsolutePath();
        for (int action = 0; action < 2; action++) {
            ActorCritic policy = FixedActionPolicy.always(action, 5);
            PolicyEvaluator.Result r = PolicyEvaluator.evaluate(policy, env, 5, 3, 2);
            assertEquals(5, r.reported());
            assertEquals(action, r.successRate(), 0.0, "always action " + action);
            assertEquals(action == 1 ? 3 : 6, r.lengths()[4]);
        }
        PolicyEvaluator.Result silent = PolicyEvaluator.evaluate(policyFor("CartPole-v1", 0.0), "CartPole-v1", 3, 1);
        assertEquals(0, silent.reported());
        assertTrue(Double.isNaN(silent.successRate()));
    }

    @Test
    void nonsenseCountsAreRefused() {
        ActorCritic policy = policyFor("CartPole-v1", 0.0);
        assertThrows(IllegalArgumentException.class, () -> PolicyEvaluator.evaluate(policy, "CartPole-v1", 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> PolicyEvaluator.evaluate(policy, "CartPole-v1", 3, 1, 0));
    }
}
