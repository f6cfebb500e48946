package dev.trpo.connectors.env;

import java.util.Map;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import dev.trpo.policy.ActionSpace;

/**
 * A plug-in environment for the tests: a point on a line starting in [-2, 2) that moves by 1 left (action 0) or right
 * (action 1); reward -1 per step, the episode ends at +3 (or after 20 steps). Its provider is listed in this module's
 * test {@code META-INF/services}, as a plug-in jar lists its own.
 */
public final class LineWorld extends TimeLimitedEnvironment {
    public static final String ID = "LineWorld-v0";

    public LineWorld() {
        super(ID, 1, new ActionSpace.Discrete(2), 1, 20);
    }

    @Override
    protected void sampleInitialState(RandomGenerator rng) {
        state[0] = uniform(rng, -2, 2);
    }

    @Override
    protected void advance(double[] actions, int offset, StepResult out) {
        state[0] += actions[offset] == 1 ? 1 : -1;
        out.reward = -1;
        out.terminated = state[0] >= 3;
    }

    @Override
    protected void observe(double[] obsOut) {
        obsOut[0] = state[0];
    }

    /** The provider the service file names. */
    public static final class Provider implements EnvironmentProvider {
        @Override
        public Map<String, Supplier<? extends Environment>> environments() {
            return Map.of(ID, LineWorld::new);
        }
    }
}
