package dev.trpo.connectors.env;

/**
 * The outcome of one {@link Environment#step}: a mutable holder the caller allocates once and passes to every
 * step, so that stepping allocates nothing.
 *
 * <p>{@code terminated} means the episode reached a terminal state of the task (no bootstrap);
 * {@code truncated} means it was cut short, by the time limit or otherwise (bootstrap with V(next obs)).
 * Both can be true on the same step.
 */
public final class StepResult {

    /** The observation after the step (float32-rounded values for the built-in environments). */
    public final double[] observation;
    /** The reward of the step. */
    public double reward;
    /** The step reached a terminal state. */
    public boolean terminated;
    /** The episode was cut short after this step (time limit). */
    public boolean truncated;
    /**
     * Whether the task was achieved, when the environment says so (Gymnasium's {@code info["is_success"]}, which
     * robotics tasks report), else null. Only an episode's last step's counts.
     */
    public Boolean success;

    /** @param observationSize the size of the environment's observation */
    public StepResult(int observationSize) {
        if (observationSize <= 0) {
            throw new IllegalArgumentException("observationSize must be > 0, got " + observationSize);
        }
        this.observation = new double[observationSize];
    }

    /** @return true when the episode is over (terminated or truncated) and the environment must be reset */
    public boolean done() {
        return terminated || truncated;
    }
}
