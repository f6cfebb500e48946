package dev.trpo.connectors.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Environments from plug-in jars: found through META-INF/services, and refused with a clear message when broken. */
class EnvironmentPluginTest {
    @Test
    void aProviderOnTheClasspathAddsItsEnvironmentAfterTheBuiltIns() {
        List<String> ids = Environments.ids();

        assertEquals(List.of("CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "MountainCarContinuous-v0"),
                ids.subList(0, 5));
        assertTrue(ids.contains(LineWorld.ID), ids.toString());
        Environment a = Environments.create(LineWorld.ID);
        Environment b = Environments.create(LineWorld.ID);
        assertFalse(a == b, "a new instance per call");
        double[] obs = new double[1];
        a.reset(new SplittableRandom(1), obs);
        StepResult out = new StepResult(1);
        int steps = 0;
        do {
            a.step(new double[] {1}, out);
            steps++;
        } while (!out.terminated && !out.truncated);
        assertTrue(out.terminated, "walking right reaches +3");
        assertEquals(Math.ceil(3.0 - obs[0]), steps, "one step per unit from the start " + obs[0]);
    }

    @Test
    void aProviderClaimingABuiltInIdIsRefusedNamingIt() {
        EnvironmentProvider impostor = () -> Map.of("CartPole-v1", LineWorld::new);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Environments.loadPlugins(List.of(impostor)));

        assertTrue(e.getMessage().contains("registers 'CartPole-v1', a built-in id"), e.getMessage());
        assertTrue(e.getMessage().contains(impostor.getClass().getName()), e.getMessage());
        assertTrue(Environments.create("CartPole-v1") instanceof CartPole, "the built-in stays");
    }

    @Test
    void aProviderThatCannotBeLoadedFailsWithTheReasonAndWhereToLook() {
        Iterable<EnvironmentProvider> broken = () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public EnvironmentProvider next() {
                throw new ServiceConfigurationError("com.example.Missing: Provider com.example.Missing not found");
            }
        };

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Environments.loadPlugins(broken));

        assertTrue(e.getMessage().contains("com.example.Missing not found"), e.getMessage());
        assertTrue(e.getMessage().contains("TRPO_PLUGINS"), e.getMessage());
    }
}
