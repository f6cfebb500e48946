package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A base for environments that keep their raw state in a {@code double[]} and end episodes with Gymnasium's
 * {@code TimeLimit}: {@code truncated} is set on the step whose count since the reset reaches the limit.
 * Subclasses write the dynamics ({@link #advance}), the initial-state distribution and the observation.
 */
public abstract class TimeLimitedEnvironment implements Environment {

    private final String id;
    private final int observationSize;
    private final ActionSpace actionSpace;
    private final int maxEpisodeSteps;
    /** The raw state, read and written by subclasses. */
    protected final double[] state;
    private int elapsedSteps;

    protected TimeLimitedEnvironment(String id, int observationSize, ActionSpace actionSpace, int stateSize,
                                     int maxEpisodeSteps) {
        this.id = Objects.requireNonNull(id, "id");
        this.actionSpace = Objects.requireNonNull(actionSpace, "actionSpace");
        if (observationSize <= 0) {
            throw new IllegalArgumentException("observationSize must be > 0, got " + observationSize);
        }
        if (stateSize <= 0) {
            throw new IllegalArgumentException("stateSize must be > 0, got " + stateSize);
        }
        if (maxEpisodeSteps <= 0) {
            throw new IllegalArgumentException("maxEpisodeSteps must be > 0, got " + maxEpisodeSteps);
        }
        this.observationSize = observationSize;
        this.maxEpisodeSteps = maxEpisodeSteps;
        this.state = new double[stateSize];
    }

    @Override public final String id() { return id; }
    @Override public final int observationSize() { return observationSize; }
    @Override public final ActionSpace actionSpace() { return actionSpace; }
    @Override public final int maxEpisodeSteps() { return maxEpisodeSteps; }
    @Override public final int stateSize() { return state.length; }

    /** @return the steps taken since the last reset */
    public final int elapsedSteps() { return elapsedSteps; }

    @Override
    public final void reset(RandomGenerator rng, double[] obsOut) {
        sampleInitialState(rng);
        elapsedSteps = 0;
        onReset();
        observe(obsOut);
    }

    @Override
    public final void step(double[] actions, int offset, StepResult out) {
        advance(actions, offset, out);
        observe(out.observation);
        elapsedSteps++;
        out.truncated = elapsedSteps >= maxEpisodeSteps;
    }

    @Override
    public final void state(double[] stateOut) {
        System.arraycopy(state, 0, stateOut, 0, state.length);
    }

    @Override
    public final void setState(double[] newState, double[] obsOut) {
        if (newState.length != state.length) {
            throw new IllegalArgumentException(id + ": state has " + state.length + " values, got " + newState.length);
        }
        System.arraycopy(newState, 0, state, 0, state.length);
        elapsedSteps = 0;
        onReset();
        observe(obsOut);
    }

    /** True: the raw state and the step count are all a built-in environment's future depends on. */
    @Override
    public boolean restorable() {
        return true;
    }

    @Override
    public final void restore(double[] newState, int elapsed, double[] obsOut) {
        if (elapsed < 0 || elapsed >= maxEpisodeSteps) {
            throw new IllegalArgumentException(id + ": elapsed steps must be in [0, " + maxEpisodeSteps + "), got " + elapsed);
        }
        setState(newState, obsOut);
        elapsedSteps = elapsed;
    }

    /** Draws {@link #state} from the initial-state distribution. */
    protected abstract void sampleInitialState(RandomGenerator rng);

    /** Clears per-episode bookkeeping other than the state; called after every reset and {@link #setState}. */
    protected void onReset() {
    }

    /**
     * Applies one action to {@link #state}; sets {@code out.reward} and {@code out.terminated} (not the
     * observation, not {@code truncated}).
     */
    protected abstract void advance(double[] actions, int offset, StepResult out);

    /** Writes the observation of {@link #state} into {@code obsOut}. */
    protected abstract void observe(double[] obsOut);

    /** @return {@code x} rounded to the nearest float32, as NumPy does when it builds a float32 observation */
    protected static double toFloat32(double x) {
        return (float) x;
    }

    /** @return a uniform draw in [low, high), as {@code np_random.uniform(low, high)} (a different generator) */
    protected static double uniform(RandomGenerator rng, double low, double high) {
        return low + (high - low) * rng.nextDouble();
    }
}
