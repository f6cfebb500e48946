package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.random.RandomGenerator;

/**
 * Gymnasium 0.29.1 {@code MountainCar-v0}: state (position, velocity); actions 0 push left, 1 none, 2 push
 * right (force 0.001, gravity 0.0025). The speed is clipped to 0.07 before the position update, the position
 * to [-1.2, 0.6]; at the left wall a negative speed becomes 0. Terminated at position >= 0.5 with speed >= 0;
 * reward -1 on every step; time limit 200. Initial position U(-0.6, -0.4), velocity 0.
 */
public final class MountainCar extends TimeLimitedEnvironment {

    public static final String ID = "MountainCar-v0";

    private static final double MIN_POSITION = -1.2;
    private static final double MAX_POSITION = 0.6;
    private static final double MAX_SPEED = 0.07;
    private static final double GOAL_POSITION = 0.5;
    private static final double GOAL_VELOCITY = 0.0;
    private static final double FORCE = 0.001;
    private static final double GRAVITY = 0.0025;

    public MountainCar() {
        super(ID, 2, new ActionSpace.Discrete(3), 2, 200);
    }

    @Override
    protected void sampleInitialState(RandomGenerator rng) {
        state[0] = uniform(rng, -0.6, -0.4);
        state[1] = 0.0;
    }

    @Override
    protected void advance(double[] actions, int offset, StepResult out) {
        int action = DiscreteActions.index(actions[offset], 3, ID);
        double position = state[0];
        double velocity = state[1];
        velocity += (action - 1) * FORCE + Math.cos(3 * position) * (-GRAVITY);
        velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
        position += velocity;
        position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
        if (position == MIN_POSITION && velocity < 0) {
            velocity = 0.0;
        }
        state[0] = position;
        state[1] = velocity;
        out.terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
        out.reward = -1.0;
    }

    @Override
    protected void observe(double[] obsOut) {
        obsOut[0] = toFloat32(state[0]);
        obsOut[1] = toFloat32(state[1]);
    }
}
