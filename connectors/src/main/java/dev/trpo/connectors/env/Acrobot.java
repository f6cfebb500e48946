package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.random.RandomGenerator;

/**
 * Gymnasium 0.29.1 {@code Acrobot-v1}: state (theta1, theta2, dtheta1, dtheta2); actions 0, 1, 2 apply torque
 * -1, 0, +1 at the middle joint. The "book" dynamics (with the extra {@code - m2 l1 lc2 dtheta1^2 sin(theta2)}
 * term), integrated by one RK4 step of 0.2 per env step; after integration the angles are wrapped to [-pi, pi]
 * and the speeds bounded to 4 pi and 9 pi. Terminated when {@code -cos(theta1) - cos(theta1 + theta2) > 1};
 * reward -1 per step and 0 on the terminating step; time limit 500. Observation (cos theta1, sin theta1,
 * cos theta2, sin theta2, dtheta1, dtheta2). Initial state U(-0.1, 0.1)^4 rounded to float32, as Gymnasium's
 * {@code .astype(np.float32)} does.
 */
public final class Acrobot extends TimeLimitedEnvironment {

    public static final String ID = "Acrobot-v1";

    private static final double DT = 0.2;
    private static final double LINK_LENGTH_1 = 1.0;
    private static final double LINK_MASS_1 = 1.0;
    private static final double LINK_MASS_2 = 1.0;
    private static final double LINK_COM_POS_1 = 0.5;
    private static final double LINK_COM_POS_2 = 0.5;
    private static final double LINK_MOI = 1.0;
    private static final double MAX_VEL_1 = 4 * Math.PI;
    private static final double MAX_VEL_2 = 9 * Math.PI;
    private static final double[] AVAIL_TORQUE = {-1.0, 0.0, +1.0};
    private static final double G = 9.8;

    // RK4 scratch, reused across steps: y is (theta1, theta2, dtheta1, dtheta2); the torque is held apart
    // (its derivative is 0, so it is constant through the step, as in Gymnasium's augmented state).
    private final double[] k1 = new double[4];
    private final double[] k2 = new double[4];
    private final double[] k3 = new double[4];
    private final double[] k4 = new double[4];
    private final double[] y = new double[4];

    public Acrobot() {
        super(ID, 6, new ActionSpace.Discrete(3), 4, 500);
    }

    @Override
    protected void sampleInitialState(RandomGenerator rng) {
        for (int i = 0; i < 4; i++) {
            state[i] = toFloat32(uniform(rng, -0.1, 0.1));
        }
    }

    @Override
    protected void advance(double[] actions, int offset, StepResult out) {
        double torque = AVAIL_TORQUE[DiscreteActions.index(actions[offset], 3, ID)];
        rk4(torque);
        state[0] = wrap(state[0], -Math.PI, Math.PI);
        state[1] = wrap(state[1], -Math.PI, Math.PI);
        state[2] = bound(state[2], -MAX_VEL_1, MAX_VEL_1);
        state[3] = bound(state[3], -MAX_VEL_2, MAX_VEL_2);
        boolean terminated = -Math.cos(state[0]) - Math.cos(state[1] + state[0]) > 1.0;
        out.terminated = terminated;
        out.reward = terminated ? 0.0 : -1.0;
    }

    @Override
    protected void observe(double[] obsOut) {
        obsOut[0] = toFloat32(Math.cos(state[0]));
        obsOut[1] = toFloat32(Math.sin(state[0]));
        obsOut[2] = toFloat32(Math.cos(state[1]));
        obsOut[3] = toFloat32(Math.sin(state[1]));
        obsOut[4] = toFloat32(state[2]);
        obsOut[5] = toFloat32(state[3]);
    }

    /** One step of Gymnasium's {@code rk4(derivs, y0, [0, dt])}, in place on {@link #state}. */
    private void rk4(double torque) {
        double dt = DT - 0;
        double dt2 = dt / 2.0;
        dsdt(state, torque, k1);
        for (int i = 0; i < 4; i++) {
            y[i] = state[i] + dt2 * k1[i];
        }
        dsdt(y, torque, k2);
        for (int i = 0; i < 4; i++) {
            y[i] = state[i] + dt2 * k2[i];
        }
        dsdt(y, torque, k3);
        for (int i = 0; i < 4; i++) {
            y[i] = state[i] + dt * k3[i];
        }
        dsdt(y, torque, k4);
        for (int i = 0; i < 4; i++) {
            state[i] = state[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
    }

    /** Gymnasium's {@code _dsdt} with {@code book_or_nips = "book"}; the operation order is kept for bit-equality. */
    static void dsdt(double[] s, double a, double[] out) {
        double m1 = LINK_MASS_1;
        double m2 = LINK_MASS_2;
        double l1 = LINK_LENGTH_1;
        double lc1 = LINK_COM_POS_1;
        double lc2 = LINK_COM_POS_2;
        double i1 = LINK_MOI;
        double i2 = LINK_MOI;
        double theta1 = s[0];
        double theta2 = s[1];
        double dtheta1 = s[2];
        double dtheta2 = s[3];
        double d1 = m1 * (lc1 * lc1) + m2 * ((l1 * l1) + (lc2 * lc2) + 2 * l1 * lc2 * Math.cos(theta2)) + i1 + i2;
        double d2 = m2 * ((lc2 * lc2) + l1 * lc2 * Math.cos(theta2)) + i2;
        double phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
        double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2)
                - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2)
                + (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2)
                + phi2;
        double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2)
                / (m2 * (lc2 * lc2) + i2 - (d2 * d2) / d1);
        double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
        out[0] = dtheta1;
        out[1] = dtheta2;
        out[2] = ddtheta1;
        out[3] = ddtheta2;
    }

    /** Gymnasium's {@code wrap}: shifts by whole periods until x is in [m, M]. */
    static double wrap(double x, double m, double bigM) {
        double diff = bigM - m;
        while (x > bigM) {
            x = x - diff;
        }
        while (x < m) {
            x = x + diff;
        }
        return x;
    }

    /** Gymnasium's {@code bound}: {@code min(max(x, m), M)}. */
    static double bound(double x, double m, double bigM) {
        return Math.min(Math.max(x, m), bigM);
    }
}
