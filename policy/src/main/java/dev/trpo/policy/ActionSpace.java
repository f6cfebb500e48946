package dev.trpo.policy;

import java.util.Arrays;

/** The actions a policy emits: {@link Discrete} indices or a {@link Box} of continuous values. */
public sealed interface ActionSpace permits ActionSpace.Discrete, ActionSpace.Box {

    /** The number of doubles one action occupies: 1 for {@link Discrete}, {@code low.length} for {@link Box}. */
    int actionDim();

    /**
     * {@code n} actions, 0..n-1, drawn from a categorical distribution over logits.
     *
     * @param n the number of actions, at least 2
     */
    record Discrete(int n) implements ActionSpace {
        /** Validates {@code n >= 2}. */
        public Discrete {
            if (n < 2) {
                throw new IllegalArgumentException("Discrete.n must be >= 2, got " + n);
            }
        }

        @Override
        public int actionDim() {
            return 1;
        }
    }

    /**
     * Continuous actions with per-dimension bounds (used by environments to clip; the policy samples unclipped).
     *
     * @param low  lower bounds, one per dimension (not modified; copied)
     * @param high upper bounds, same length as {@code low}
     */
    record Box(double[] low, double[] high) implements ActionSpace {
        /** Validates equal, non-zero lengths and low <= high; copies both arrays. */
        public Box {
            if (low == null || high == null || low.length == 0 || low.length != high.length) {
                throw new IllegalArgumentException("Box.low and Box.high must be non-empty and of equal length, got "
                        + (low == null ? "null" : low.length) + " and " + (high == null ? "null" : high.length));
            }
            for (int i = 0; i < low.length; i++) {
                if (!(low[i] <= high[i])) {
                    throw new IllegalArgumentException("Box.low[" + i + "] must be <= Box.high[" + i + "], got "
                            + low[i] + " > " + high[i]);
                }
            }
            low = low.clone();
            high = high.clone();
        }

        @Override
        public double[] low() {
            return low.clone();
        }

        @Override
        public double[] high() {
            return high.clone();
        }

        @Override
        public int actionDim() {
            return low.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Box b && Arrays.equals(low, b.low) && Arrays.equals(high, b.high);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(low) + Arrays.hashCode(high);
        }

        @Override
        public String toString() {
            return "Box[low=" + Arrays.toString(low) + ", high=" + Arrays.toString(high) + "]";
        }
    }
}
