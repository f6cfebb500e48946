package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.random.RandomGenerator;

/**
 * Gymnasium 0.29.1 {@code CartPole-v1}: state (x, x_dot, theta, theta_dot), explicit Euler with tau 0.02
 * (x and theta advance with the old velocities), terminated when |x| > 2.4 or |theta| > 12 degrees on the new
 * state, reward 1 on every step including the terminating one (0 for steps taken after termination, as
 * Gymnasium does), time limit 500. Initial state U(-0.05, 0.05)^4.
 */
public final class CartPole extends TimeLimitedEnvironment {

    public static final String ID = "CartPole-v1";

    private static final double GRAVITY = 9.8;
    private static final double MASS_CART = 1.0;
    private static final double MASS_POLE = 0.1;
    private static final double TOTAL_MASS = MASS_POLE + MASS_CART;
    private static final double LENGTH = 0.5; // half the pole's length
    private static final double POLE_MASS_LENGTH = MASS_POLE * LENGTH;
    private static final double FORCE_MAG = 10.0;
    private static final double TAU = 0.02;
    private static final double THETA_THRESHOLD = 12 * 2 * Math.PI / 360;
    private static final double X_THRESHOLD = 2.4;

    /** Gymnasium's steps_beyond_terminated is None (-1) until the first terminal step. */
    private int stepsBeyondTerminated = -1;

    public CartPole() {
        super(ID, 4, new ActionSpace.Discrete(2), 4, 500);
    }

    @Override
    protected void sampleInitialState(RandomGenerator rng) {
        for (int i = 0; i < 4; i++) {
            state[i] = uniform(rng, -0.05, 0.05);
        }
    }

    @Override
    protected void onReset() {
        stepsBeyondTerminated = -1;
    }

    @Override
    protected void advance(double[] actions, int offset, StepResult out) {
        int action = DiscreteActions.index(actions[offset], 2, ID);
        double x = state[0];
        double xDot = state[1];
        double theta = state[2];
        double thetaDot = state[3];
        double force = action == 1 ? FORCE_MAG : -FORCE_MAG;
        double cosTheta = Math.cos(theta);
        double sinTheta = Math.sin(theta);
        double temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinTheta) / TOTAL_MASS;
        double thetaAcc = (GRAVITY * sinTheta - cosTheta * temp)
                / (LENGTH * (4.0 / 3.0 - MASS_POLE * (cosTheta * cosTheta) / TOTAL_MASS));
        double xAcc = temp - POLE_MASS_LENGTH * thetaAcc * cosTheta / TOTAL_MASS;
        x = x + TAU * xDot;
        xDot = xDot + TAU * xAcc;
        theta = theta + TAU * thetaDot;
        thetaDot = thetaDot + TAU * thetaAcc;
        state[0] = x;
        state[1] = xDot;
        state[2] = theta;
        state[3] = thetaDot;
        boolean terminated = x < -X_THRESHOLD || x > X_THRESHOLD
                || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
        if (!terminated) {
            out.reward = 1.0;
        } else if (stepsBeyondTerminated < 0) {
            stepsBeyondTerminated = 0;
            out.reward = 1.0;
        } else {
            stepsBeyondTerminated++;
            out.reward = 0.0;
        }
        out.terminated = terminated;
    }

    @Override
    protected void observe(double[] obsOut) {
        for (int i = 0; i < 4; i++) {
            obsOut[i] = toFloat32(state[i]);
        }
    }
}
