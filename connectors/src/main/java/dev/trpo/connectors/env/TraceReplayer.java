package dev.trpo.connectors.env;

import dev.trpo.policy.ActionSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Drives an environment open loop from a given raw state with a given action list and records every step.
 * This is a diagnostic path (it allocates per step); the actors never use it.
 */
public final class TraceReplayer {

    private TraceReplayer() {
    }

    /**
     * Replays {@code actions} from {@code initialState}, stopping early when the episode ends (terminated or
     * truncated) before the actions run out.
     *
     * @return the trace, with {@code actions} cut to the steps actually taken
     */
    public static Trace replay(Environment env, int episode, double[] initialState, List<double[]> actions) {
        if (initialState.length != env.stateSize()) {
            throw new IllegalArgumentException(env.id() + ": initial_state has " + initialState.length
                    + " values, the environment's state has " + env.stateSize());
        }
        int actionDim = env.actionSpace().actionDim();
        double[] initialObs = new double[env.observationSize()];
        env.setState(initialState, initialObs);
        StepResult result = new StepResult(env.observationSize());
        List<TraceStep> steps = new ArrayList<>();
        List<double[]> taken = new ArrayList<>();
        for (int t = 0; t < actions.size(); t++) {
            double[] action = actions.get(t);
            if (action.length != actionDim) {
                throw new IllegalArgumentException(env.id() + ": action " + t + " has " + action.length
                        + " values, the action space has " + actionDim);
            }
            double[] before = new double[env.stateSize()];
            env.state(before);
            env.step(action, 0, result);
            double[] after = new double[env.stateSize()];
            env.state(after);
            steps.add(new TraceStep(t, before, action.clone(), result.reward, after, result.observation.clone(),
                    result.terminated, result.truncated));
            taken.add(action.clone());
            if (result.done()) {
                break;
            }
        }
        return new Trace(env.id(), episode, env.maxEpisodeSteps(), initialState.clone(), initialObs, taken, steps);
    }

    /**
     * @return {@code n} actions drawn uniformly from the space (an index for Discrete, per-dimension uniform in
     *         [low, high) for Box, over [-1, 1) on a side where the bound is infinite)
     */
    public static List<double[]> randomActions(ActionSpace space, int n, RandomGenerator rng) {
        List<double[]> actions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (space instanceof ActionSpace.Discrete d) {
                actions.add(new double[] {rng.nextInt(d.n())});
            } else {
                ActionSpace.Box box = (ActionSpace.Box) space;
                double[] low = box.low();
                double[] high = box.high();
                double[] a = new double[low.length];
                for (int j = 0; j < a.length; j++) {
                    double lo = Double.isFinite(low[j]) ? low[j] : -1;
                    double hi = Double.isFinite(high[j]) ? high[j] : 1;
                    a[j] = lo + (hi - lo) * rng.nextDouble();
                }
                actions.add(a);
            }
        }
        return actions;
    }
}
