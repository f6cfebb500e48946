package dev.trpo.connectors.env;

/**
 * One step of a trace, in the golden-file shape.
 *
 * @param t          the step index since the reset
 * @param state      the raw state before the step
 * @param action     the action (one value for a discrete action: its index)
 * @param reward     the reward
 * @param nextState  the raw state after the step
 * @param obs        the observation returned by the step
 * @param terminated the step reached a terminal state
 * @param truncated  the time limit cut the episode after this step
 */
public record TraceStep(int t, double[] state, double[] action, double reward, double[] nextState, double[] obs,
                        boolean terminated, boolean truncated) {
}
