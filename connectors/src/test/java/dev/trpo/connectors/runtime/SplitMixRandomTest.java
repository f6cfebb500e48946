package dev.trpo.connectors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The checkpointable generator draws exactly what {@link SplittableRandom} draws, so runs keep their bytes. */
class SplitMixRandomTest {

    @Test
    void everyDrawEqualsSplittableRandomsAcrossSplits() {
        SplittableRandom reference = new SplittableRandom(42);
        SplitMixRandom ours = new SplitMixRandom(42);
        for (int k = 0; k < 3; k++) {
            SplittableRandom r = reference.split();
            SplitMixRandom s = ours.split();
            for (int i = 0; i < 9_000; i++) {
                switch (i % 9) {
                    case 0 -> assertEquals(r.nextLong(), s.nextLong(), "nextLong " + i);
                    case 1 -> assertEquals(r.nextInt(), s.nextInt(), "nextInt " + i);
                    case 2 -> assertEquals(r.nextDouble(), s.nextDouble(), "nextDouble " + i);
                    case 3 -> assertEquals(r.nextGaussian(), s.nextGaussian(), "nextGaussian " + i);
                    case 4 -> assertEquals(r.nextInt(7), s.nextInt(7), "nextInt(7) " + i);
                    case 5 -> assertEquals(r.nextLong(1_000_003), s.nextLong(1_000_003), "nextLong(bound) " + i);
                    case 6 -> assertEquals(r.nextDouble(-0.05, 0.05), s.nextDouble(-0.05, 0.05), "nextDouble(a, b) " + i);
                    case 7 -> assertEquals(r.nextBoolean(), s.nextBoolean(), "nextBoolean " + i);
                    default -> assertEquals(r.nextFloat(), s.nextFloat(), "nextFloat " + i);
                }
            }
        }
    }

    @Test
    void aGeneratorRebuiltFromItsStateContinuesItsStream() {
        SplitMixRandom original = new SplitMixRandom(7).split();
        for (int i = 0; i < 100; i++) {
            original.nextGaussian();
        }
        SplitMixRandom restored = new SplitMixRandom(original.seed(), original.gamma());
        for (int i = 0; i < 1_000; i++) {
            assertEquals(original.nextLong(), restored.nextLong(), "draw " + i + " after the restore");
        }
    }

    @Test
    void anEvenGammaIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SplitMixRandom(1, 2));
    }
}
