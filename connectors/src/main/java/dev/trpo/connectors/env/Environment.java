package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A reinforcement-learning environment with the Gymnasium semantics: reset to an initial state, then step
 * with actions until the episode is terminated (a terminal state) or truncated (the time limit).
 *
 * <p>Implement it for your own simulator or robot and register it with {@link Environments#register}. The
 * hot path allocates nothing: observations are written into caller-provided arrays and the step outcome into
 * a caller-provided {@link StepResult}. An instance is not thread-safe; actors use one instance each.
 *
 * <p>Actions are {@code double}s: a discrete action is its index as a double ({@code 0.0 .. n-1}), a
 * continuous action is {@code actionSpace().actionDim()} values, already clipped by the caller or not (the
 * built-in continuous environments clip or not exactly as Gymnasium does).
 *
 * <p>An environment is {@link AutoCloseable}: whoever creates one closes it ({@link ProcessEnvironment} runs a child
 * process until then).
 *
 * <p>The time limit is part of the environment: {@link #step} sets {@code truncated} on the step whose count
 * since the last reset reaches {@link #maxEpisodeSteps()} (Gymnasium's {@code TimeLimit}).
 */
public interface Environment extends AutoCloseable {

    /** @return the registry id, e.g. {@code CartPole-v1} */
    String id();

    /** @return the number of values in an observation */
    int observationSize();

    /** @return the action space (Discrete(n) or Box(low, high)) */
    ActionSpace actionSpace();

    /** @return the time limit: the episode is truncated after this many steps since the reset */
    int maxEpisodeSteps();

    /** @return the number of values in the raw state (see {@link #state} and {@link #setState}) */
    int stateSize();

    /**
     * Starts an episode from a state drawn from the initial-state distribution.
     *
     * @param rng    source of the initial state (Modified: advanced); keep one per actor for reproducible runs
     * @param obsOut the first observation, length {@link #observationSize()} (Modified)
     */
    void reset(RandomGenerator rng, double[] obsOut);

    /**
     * Starts an episode from the initial-state distribution sampled with a fresh {@link SplittableRandom}
     * seeded with {@code seed} (not NumPy's generator: the same seed gives a different state than Gymnasium's).
     *
     * @param seed   the seed
     * @param obsOut the first observation (Modified)
     */
    default void reset(long seed, double[] obsOut) {
        reset(new SplittableRandom(seed), obsOut);
    }

    /**
     * Advances one step.
     *
     * @param actions an array holding the action (Not modified)
     * @param offset  where the action starts in {@code actions} (lets a batch of actors share one array)
     * @param out     the observation after the step, reward, terminated and truncated (Modified)
     */
    void step(double[] actions, int offset, StepResult out);

    /** Advances one step with the action at the start of {@code action}; see {@link #step(double[], int, StepResult)}. */
    default void step(double[] action, StepResult out) {
        step(action, 0, out);
    }

    /**
     * Starts a step whose outcome {@link #finishStep} delivers, so that a caller holding several environments can
     * have them all working at once: it starts every one, then finishes every one. An environment that computes
     * elsewhere (a child process, a remote robot) sends the request here and waits for the answer in
     * {@link #finishStep}; by default the whole step happens here. Every start is followed by its finish before any
     * other call.
     *
     * @param actions an array holding the action (Not modified; may be reused once this returns)
     * @param offset  where the action starts in {@code actions}
     * @param out     where {@link #finishStep} leaves the outcome (Modified, by this call or that one)
     */
    default void startStep(double[] actions, int offset, StepResult out) {
        step(actions, offset, out);
    }

    /** Completes the step {@link #startStep} began; {@code out} is the same object. */
    default void finishStep(StepResult out) {
    }

    /**
     * Starts a reset whose first observation {@link #finishReset} delivers; see {@link #startStep}. The generator is
     * drawn from here, so the draws do not depend on the order in which resets are finished.
     */
    default void startReset(RandomGenerator rng, double[] obsOut) {
        reset(rng, obsOut);
    }

    /** Completes the reset {@link #startReset} began; {@code obsOut} is the same array. */
    default void finishReset(double[] obsOut) {
    }

    /**
     * Copies the raw (unwrapped, double-precision) state, the quantity conformance traces compare.
     *
     * @param stateOut length {@link #stateSize()} (Modified)
     */
    void state(double[] stateOut);

    /**
     * Puts the environment in a raw state as if a reset had just produced it (the step counter of the time
     * limit restarts at 0), and writes that state's observation.
     *
     * @param state  length {@link #stateSize()} (Not modified)
     * @param obsOut the observation of that state (Modified)
     */
    void setState(double[] state, double[] obsOut);

    /**
     * Whether {@link #restore} puts this environment back exactly where a checkpoint left it: {@link #state} holds
     * everything its future steps depend on. Connectors resume a restarted actor exactly when it is; otherwise the
     * actor starts a new episode. False unless an implementation says so.
     */
    default boolean restorable() {
        return false;
    }

    /**
     * Puts the environment back in the middle of an episode: as {@link #setState}, but its time limit has already
     * counted {@code elapsedSteps} steps since the reset.
     *
     * @param state        length {@link #stateSize()} (Not modified)
     * @param elapsedSteps steps since the episode's reset, 0 to {@link #maxEpisodeSteps()} - 1
     * @param obsOut       the observation of that state (Modified)
     * @throws UnsupportedOperationException when the environment is not {@link #restorable()}
     */
    default void restore(double[] state, int elapsedSteps, double[] obsOut) {
        throw new UnsupportedOperationException("environment " + id() + " cannot be restored from a checkpoint");
    }

    /**
     * Releases what the environment holds outside the JVM heap (a child process, a connection to a robot); the
     * built-in environments hold nothing. Idempotent.
     */
    @Override
    default void close() {
    }
}
