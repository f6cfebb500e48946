package dev.trpo.policy;

/**
 * One batch of on-policy (or lag-bounded) samples for {@link TrpoUpdater#update}. Arrays are read, never modified.
 *
 * @param size          number of samples, at least 1
 * @param rawObs        [size * obsDim] raw observations (the updater normalises with the policy's normaliser)
 * @param actions       [size * actionDim] actions taken (discrete: the index as a double)
 * @param behaviourLogp [size] log-probability of each action under the policy that acted
 * @param advantages    [size] advantage estimates (normalised by the updater when so configured)
 * @param valueTargets  [size] regression targets of the critic (GAE returns)
 */
public record Batch(int size, double[] rawObs, double[] actions, double[] behaviourLogp,
                    double[] advantages, double[] valueTargets) {
    /** Validates the size against each array's length (obs and actions only for divisibility). */
    public Batch {
        if (size < 1) {
            throw new IllegalArgumentException("Batch.size must be >= 1, got " + size);
        }
        check("behaviourLogp", behaviourLogp, size);
        check("advantages", advantages, size);
        check("valueTargets", valueTargets, size);
        if (rawObs == null || rawObs.length < size || rawObs.length % size != 0) {
            throw new IllegalArgumentException("Batch.rawObs length must be a multiple of size " + size + ", got "
                    + (rawObs == null ? "null" : rawObs.length));
        }
        if (actions == null || actions.length < size || actions.length % size != 0) {
            throw new IllegalArgumentException("Batch.actions length must be a multiple of size " + size + ", got "
                    + (actions == null ? "null" : actions.length));
        }
    }

    private static void check(String name, double[] a, int size) {
        if (a == null || a.length < size) {
            throw new IllegalArgumentException("Batch." + name + " must hold at least size " + size + " values, got "
                    + (a == null ? "null" : a.length));
        }
    }
}
