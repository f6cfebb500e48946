package dev.trpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.trpo.policy.Activation;
import dev.trpo.policy.KlConvention;

class HyperparametersTest {

    @Test
    void defaultsAreSb3ContribTrpoDefaults() {
        Hyperparameters hp = Hyperparameters.defaults();

        assertEquals(2048, hp.batchSteps());
        assertEquals(0.01, hp.maxKl());
        assertEquals(0.1, hp.cgDamping());
        assertEquals(15, hp.cgMaxIterations());
        assertEquals(0.8, hp.lineSearchShrink());
        assertEquals(10, hp.lineSearchMaxIterations());
        assertEquals(0.99, hp.gamma());
        assertEquals(0.95, hp.gaeLambda());
        assertEquals(1e-3, hp.criticLearningRate());
        assertEquals(1e-5, hp.criticEps());
        assertEquals(10, hp.criticEpochs());
        assertEquals(128, hp.criticMinibatchSize());
        assertEquals(List.of(64, 64), hp.hiddenSizes());
        assertEquals(Activation.TANH, hp.activation());
        assertEquals(0.0, hp.logStdInit());
        assertEquals(KlConvention.SB3, hp.klConvention());
        assertEquals(TrainerMode.SYNC, hp.mode());
    }

    @Test
    void cartPolePresetIsTheZooRow() {
        Hyperparameters hp = Hyperparameters.forEnv("CartPole-v1", Map.of());

        assertEquals(1024, hp.batchSteps());
        assertEquals(0.98, hp.gaeLambda());
        assertEquals(20, hp.criticEpochs());
        assertEquals(1e-3, hp.cgDamping());
        assertEquals(512, hp.criticMinibatchSize());
        assertFalse(hp.normalizeObservations());
    }

    @Test
    void everyZooEnvironmentHasAPresetThatValidates() {
        List<String> envs = Hyperparameters.presetEnvironments();

        assertEquals(List.of("Acrobot-v1", "CartPole-v1", "LunarLander-v2", "LunarLanderContinuous-v2",
                "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"), envs);
        envs.forEach(env -> Hyperparameters.forEnv(env, Map.of()));
        assertTrue(Hyperparameters.forEnv("Acrobot-v1", Map.of()).normalizeObservations());
        assertEquals(0.9, Hyperparameters.forEnv("Pendulum-v1", Map.of()).gamma());
    }

    @Test
    void overridesWinOverThePreset() {
        Hyperparameters hp = Hyperparameters.forEnv("CartPole-v1",
                Map.of(Hyperparameters.BATCH_STEPS, "256", Hyperparameters.HIDDEN_SIZES, "32, 16", "other.key", "x"));

        assertEquals(256, hp.batchSteps());
        assertEquals(List.of(32, 16), hp.hiddenSizes());
        assertEquals(20, hp.criticEpochs(), "the rest of the preset stays");
    }

    @Test
    void mapRoundTripsEveryKey() {
        Hyperparameters hp = Hyperparameters.forEnv("Acrobot-v1", Map.of(Hyperparameters.MODE, "async"));

        Map<String, String> m = hp.toMap();

        assertEquals(Hyperparameters.KEYS, List.copyOf(m.keySet()));
        assertEquals(hp, Hyperparameters.defaults().with(m));
    }

    @Test
    void errorsNameTheKeyAndTheRange() {
        IllegalArgumentException gamma = assertThrows(IllegalArgumentException.class,
                () -> Hyperparameters.defaults().with(Map.of(Hyperparameters.GAMMA, "1.5")));
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> Hyperparameters.defaults().with(Map.of("trpo.trainer.max-kll", "0.1")));
        IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class,
                () -> Hyperparameters.defaults().with(Map.of(Hyperparameters.CG_MAX_ITERATIONS, "many")));

        assertEquals("trpo.trainer.gamma must be in [0.0, 1.0], got 1.5", gamma.getMessage());
        assertTrue(typo.getMessage().startsWith("unknown hyper-parameter trpo.trainer.max-kll (did you mean"
                + " trpo.trainer.max-kl?); known keys: "), typo.getMessage());
        assertEquals("trpo.trainer.max-kl", Hyperparameters.closestKey("trpo.trainer.max_kl"), "'_' for '-'");
        assertEquals("trpo.trainer.critic.epochs", Hyperparameters.closestKey("trpo.trainer.critic.epoch"));
        assertEquals(null, Hyperparameters.closestKey("trpo.trainer.learning-rate-schedule"), "nothing near: no guess");
        assertEquals("trpo.trainer.cg.max-iterations must be an integer, got: many", notANumber.getMessage());
    }
}
