package dev.trpo.connectors.runtime;

import java.util.random.RandomGenerator;

/**
 * A {@link RandomGenerator} that serves each row of a batched {@code ActorCritic.act} call from that actor's own
 * seeded generator, so one actor's samples do not depend on how many actors share the batch.
 *
 * <p>It relies on {@code act} drawing rows in order and a fixed number of draws per row ({@code drawsPerRow}:
 * one {@code nextDouble} for a categorical, one {@code nextGaussian} per dimension for a Gaussian);
 * {@code PerActorRandomTest} pins that assumption against unbatched calls.
 */
final class PerActorRandom implements RandomGenerator {

    private final RandomGenerator[] actors;
    private final int drawsPerRow;
    private int row;
    private int drawsInRow;

    PerActorRandom(RandomGenerator[] actors, int drawsPerRow) {
        if (drawsPerRow < 1) {
            throw new IllegalArgumentException("drawsPerRow must be >= 1, got " + drawsPerRow);
        }
        this.actors = actors;
        this.drawsPerRow = drawsPerRow;
    }

    /** Starts a new batch at row 0; call before every {@code act}. */
    void rewind() {
        row = 0;
        drawsInRow = 0;
    }

    private RandomGenerator next() {
        RandomGenerator g = actors[row];
        if (++drawsInRow == drawsPerRow) {
            drawsInRow = 0;
            row++;
        }
        return g;
    }

    @Override
    public long nextLong() {
        return next().nextLong();
    }

    @Override
    public double nextDouble() {
        return next().nextDouble();
    }

    @Override
    public double nextGaussian() {
        return next().nextGaussian();
    }
}
