package dev.trpo.connectors.runtime;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * {@link SplittableRandom}'s generator (SplitMix64: a seed advanced by an odd gamma, then mixed) with its state in
 * the open, so an actor's position in its random streams can be checkpointed and restored. Every draw is the one
 * a {@code SplittableRandom} in the same state makes ({@code SplitMixRandomTest} pins nextLong, nextInt, nextDouble,
 * nextGaussian, the bounded draws and {@link #split}); {@code new SplitMixRandom(s)} is {@code new SplittableRandom(s)}.
 * Not thread-safe.
 */
final class SplitMixRandom implements RandomGenerator {
    /** SplittableRandom's gamma for a generator made from a seed alone. */
    static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long seed;
    private final long gamma;

    /** The generator {@code new SplittableRandom(seed)} is. */
    SplitMixRandom(long seed) {
        this(seed, GOLDEN_GAMMA);
    }

    /**
     * A generator at a checkpointed position.
     *
     * @param gamma must be odd, as every gamma this class hands out is
     */
    SplitMixRandom(long seed, long gamma) {
        if ((gamma & 1L) == 0) {
            throw new IllegalArgumentException("gamma must be odd, got " + gamma);
        }
        this.seed = seed;
        this.gamma = gamma;
    }

    /** The state's first half: restore with {@code new SplitMixRandom(seed(), gamma())}. */
    long seed() {
        return seed;
    }

    /** The state's second half. */
    long gamma() {
        return gamma;
    }

    /** A new generator whose draws are independent of this one's, as {@link SplittableRandom#split()}. */
    SplitMixRandom split() {
        long s = nextLong();
        return new SplitMixRandom(s, mixGamma(seed += gamma));
    }

    @Override
    public long nextLong() {
        return mix64(seed += gamma);
    }

    @Override
    public int nextInt() {
        return mix32(seed += gamma);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static int mix32(long z) {
        z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
        return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
    }

    private static long mixGamma(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        z = (z ^ (z >>> 33)) | 1L;
        int n = Long.bitCount(z ^ (z >>> 1));
        return n < 24 ? z ^ 0xaaaaaaaaaaaaaaaaL : z;
    }
}
