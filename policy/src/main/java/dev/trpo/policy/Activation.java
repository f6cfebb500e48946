package dev.trpo.policy;

import java.util.Locale;

/**
 * The element-wise non-linearity of an {@link Mlp}'s hidden layers (the output layer is always linear).
 * {@link #name()} is what snapshots store; {@link #wireName()} is its lower-case form for files and flags.
 */
public enum Activation {
    /** Hyperbolic tangent; the default, as in sb3-contrib's TRPO. */
    TANH,
    /** max(0, x). */
    RELU,
    /** No non-linearity. */
    IDENTITY;

    /** The lower-case name used on the wire, e.g. {@code "tanh"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a name in either case ({@code "tanh"}, {@code "TANH"}).
     *
     * @throws IllegalArgumentException naming the accepted values when the name is unknown
     */
    public static Activation fromWire(String name) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("activation must be one of tanh, relu, identity, got: " + name);
    }
}
