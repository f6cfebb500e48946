package dev.trpo.connectors.env;

/** Decoding of a discrete action carried as a double, shared by the built-in discrete environments. */
final class DiscreteActions {

    private DiscreteActions() {
    }

    /** @return the action index; throws naming the environment when it is not an integer in [0, n) */
    static int index(double action, int n, String envId) {
        int index = (int) action;
        if (index != action || index < 0 || index >= n) {
            throw new IllegalArgumentException(envId + ": action must be an integer in [0, " + (n - 1) + "], got " + action);
        }
        return index;
    }
}
