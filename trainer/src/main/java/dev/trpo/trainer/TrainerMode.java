package dev.trpo.trainer;

import java.util.Locale;

/** Which samples a batch accepts. */
public enum TrainerMode {
    /** On-policy: only samples of the current version; older ones are stale and dropped (counted). */
    SYNC,
    /**
     * Lag-bounded off-policy: samples at most {@code max-policy-lag} versions old, corrected by the importance ratio
     * against the recorded behaviour log-probability; older ones are dropped (counted).
     */
    ASYNC;

    /** The lower-case name used in files and flags. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code sync} or {@code async} in either case.
     *
     * @throws IllegalArgumentException naming the key and the accepted values
     */
    public static TrainerMode fromWire(String s) {
        for (TrainerMode m : values()) {
            if (m.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException(Hyperparameters.PREFIX + "mode must be sync or async, got: " + s);
    }
}
