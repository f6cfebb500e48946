package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.random.RandomGenerator;

/**
 * Gymnasium 0.29.1 {@code Pendulum-v1}: state (theta, theta_dot) with g 10, m 1, l 1, dt 0.05. The torque is
 * clipped to [-2, 2]; the cost uses the old state, with the angle normalised by a floor-mod (NumPy's {@code %},
 * not Java's); the new speed is clipped to [-8, 8] before the angle advances with it; the state angle is never
 * wrapped. Never terminates; time limit 200. Observation (cos theta, sin theta, theta_dot). Initial state
 * theta U(-pi, pi), theta_dot U(-1, 1).
 */
public final class Pendulum extends TimeLimitedEnvironment {

    public static final String ID = "Pendulum-v1";

    private static final double MAX_SPEED = 8.0;
    private static final double MAX_TORQUE = 2.0;
    private static final double DT = 0.05;
    private static final double G = 10.0;
    private static final double M = 1.0;
    private static final double L = 1.0;

    public Pendulum() {
        super(ID, 3, new ActionSpace.Box(new double[] {-MAX_TORQUE}, new double[] {MAX_TORQUE}), 2, 200);
    }

    @Override
    protected void sampleInitialState(RandomGenerator rng) {
        state[0] = uniform(rng, -Math.PI, Math.PI);
        state[1] = uniform(rng, -1.0, 1.0);
    }

    @Override
    protected void advance(double[] actions, int offset, StepResult out) {
        double th = state[0];
        double thDot = state[1];
        double u = Math.min(Math.max(actions[offset], -MAX_TORQUE), MAX_TORQUE);
        double normalized = angleNormalize(th);
        double costs = normalized * normalized + 0.1 * (thDot * thDot) + 0.001 * (u * u);
        double newThDot = thDot + (3 * G / (2 * L) * Math.sin(th) + 3.0 / (M * (L * L)) * u) * DT;
        newThDot = Math.min(Math.max(newThDot, -MAX_SPEED), MAX_SPEED);
        double newTh = th + newThDot * DT;
        state[0] = newTh;
        state[1] = newThDot;
        out.reward = -costs;
        out.terminated = false;
    }

    @Override
    protected void observe(double[] obsOut) {
        obsOut[0] = toFloat32(Math.cos(state[0]));
        obsOut[1] = toFloat32(Math.sin(state[0]));
        obsOut[2] = toFloat32(state[1]);
    }

    /** Gymnasium's {@code ((x + pi) % (2 pi)) - pi} with NumPy's floor-mod (the result takes the divisor's sign). */
    static double angleNormalize(double x) {
        return floorMod(x + Math.PI, 2 * Math.PI) - Math.PI;
    }

    /** NumPy's float remainder: fmod, moved into the divisor's sign when the signs differ. */
    static double floorMod(double a, double b) {
        double mod = a % b; // Java's % on doubles is C's fmod
        if (mod != 0.0) {
            if ((b < 0) != (mod < 0)) {
                mod += b;
            }
        } else {
            mod = Math.copySign(0.0, b);
        }
        return mod;
    }
}
