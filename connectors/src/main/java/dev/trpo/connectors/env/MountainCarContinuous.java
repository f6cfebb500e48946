package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.random.RandomGenerator;

/**
 * Gymnasium 0.29.1 {@code MountainCarContinuous-v0}: state (position, velocity); the force is the action
 * clipped to [-1, 1], times power 0.0015; speed clipped to 0.07, position to [-1.2, 0.6], a negative speed at
 * the left wall becomes 0. Terminated at position >= 0.45 with speed >= 0 (checked before rounding); reward 100
 * on reaching the goal minus 0.1 a^2 with the UNCLIPPED action. Gymnasium stores the state as float32 after
 * every step (but not after the reset), so this does too; the dynamics themselves run in double, as NumPy 1.x
 * promotes float32 scalars mixed with Python floats. Time limit 999. Initial position U(-0.6, -0.4), velocity 0.
 */
public final class MountainCarContinuous extends TimeLimitedEnvironment {

    public static final String ID = "MountainCarContinuous-v0";

    private static final double MIN_ACTION = -1.0;
    private static final double MAX_ACTION = 1.0;
    private static final double MIN_POSITION = -1.2;
    private static final double MAX_POSITION = 0.6;
    private static final double MAX_SPEED = 0.07;
    private static final double GOAL_POSITION = 0.45;
    private static final double GOAL_VELOCITY = 0.0;
    private static final double POWER = 0.0015;

    public MountainCarContinuous() {
        super(ID, 2, new ActionSpace.Box(new double[] {MIN_ACTION}, new double[] {MAX_ACTION}), 2, 999);
    }

    @Override
    protected void sampleInitialState(RandomGenerator rng) {
        state[0] = uniform(rng, -0.6, -0.4);
        state[1] = 0.0;
    }

    @Override
    protected void advance(double[] actions, int offset, StepResult out) {
        double action = actions[offset];
        double position = state[0];
        double velocity = state[1];
        double force = Math.min(Math.max(action, MIN_ACTION), MAX_ACTION);
        velocity += force * POWER - 0.0025 * Math.cos(3 * position);
        if (velocity > MAX_SPEED) {
            velocity = MAX_SPEED;
        }
        if (velocity < -MAX_SPEED) {
            velocity = -MAX_SPEED;
        }
        position += velocity;
        if (position > MAX_POSITION) {
            position = MAX_POSITION;
        }
        if (position < MIN_POSITION) {
            position = MIN_POSITION;
        }
        if (position == MIN_POSITION && velocity < 0) {
            velocity = 0.0;
        }
        boolean terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
        double reward = terminated ? 100.0 : 0.0;
        reward -= Math.pow(action, 2) * 0.1;
        state[0] = toFloat32(position);
        state[1] = toFloat32(velocity);
        out.terminated = terminated;
        out.reward = reward;
    }

    @Override
    protected void observe(double[] obsOut) {
        obsOut[0] = toFloat32(state[0]);
        obsOut[1] = toFloat32(state[1]);
    }
}
