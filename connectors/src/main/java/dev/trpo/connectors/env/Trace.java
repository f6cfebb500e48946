package dev.trpo.connectors.env;

import java.util.List;

/**
 * One episode of an environment driven open loop by a fixed action list: the golden-file record
 * ({@code ../shared/golden/README.md}). A file holds one trace per line.
 *
 * @param envId           the environment id
 * @param episode         the episode number within the file
 * @param maxEpisodeSteps the time limit
 * @param initialState    the raw state the episode starts from
 * @param initialObs      the observation of that state
 * @param actions         the actions, one {@code double[]} per step (a discrete action is its index)
 * @param steps           the steps taken; empty in an input that only asks for a replay
 */
public record Trace(String envId, int episode, int maxEpisodeSteps, double[] initialState, double[] initialObs,
                    List<double[]> actions, List<TraceStep> steps) {

    public Trace {
        actions = List.copyOf(actions);
        steps = List.copyOf(steps);
    }
}
