package dev.trpo.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Running statistics: merge equals one pass; clipping; the disabled identity. */
class ObservationNormalizerTest {
    /** Merged and one-pass statistics differ only in rounding. */
    private static final double TOL = 1e-10;

    private static double[] data(long seed, int rows, int size) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[rows * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = 3 + 2 * rng.nextGaussian() * (1 + i % size);
        }
        return x;
    }

    @Test
    void mergeEqualsOnePassStatistics() {
        double[] all = data(1, 300, 3);
        ObservationNormalizer onePass = new ObservationNormalizer(3, 0);
        onePass.update(all, 300);
        ObservationNormalizer a = new ObservationNormalizer(3, 0);
        ObservationNormalizer b = new ObservationNormalizer(3, 0);
        ObservationNormalizer c = new ObservationNormalizer(3, 0);
        a.update(java.util.Arrays.copyOfRange(all, 0, 3 * 70), 70);
        b.update(java.util.Arrays.copyOfRange(all, 3 * 70, 3 * 200), 130);
        c.update(java.util.Arrays.copyOfRange(all, 3 * 200, 3 * 300), 100);

        a.merge(b);
        a.merge(c);

        assertEquals(300, a.count());
        assertArrayEquals(onePass.mean(), a.mean(), TOL);
        assertArrayEquals(onePass.var(), a.var(), TOL);
        double[] mean = new double[3];
        for (int r = 0; r < 300; r++) {
            for (int j = 0; j < 3; j++) {
                mean[j] += all[r * 3 + j] / 300;
            }
        }
        assertArrayEquals(mean, onePass.mean(), TOL);
    }

    @Test
    void incrementalUpdatesEqualOnePass() {
        double[] all = data(2, 100, 2);
        ObservationNormalizer onePass = new ObservationNormalizer(2, 0);
        onePass.update(all, 100);
        ObservationNormalizer inc = new ObservationNormalizer(2, 0);
        for (int r = 0; r < 100; r++) {
            inc.update(java.util.Arrays.copyOfRange(all, 2 * r, 2 * r + 2), 1);
        }
        assertArrayEquals(onePass.mean(), inc.mean(), TOL);
        assertArrayEquals(onePass.var(), inc.var(), TOL);
    }

    @Test
    void normalisesAndClips() {
        ObservationNormalizer n = ObservationNormalizer.of(new double[] {1, -1}, new double[] {4, 1}, 10, 2);
        double[] out = new double[4];

        n.normalize(new double[] {3, -1, 100, -100}, 2, out);

        assertArrayEquals(new double[] {2 / Math.sqrt(4 + 1e-8), 0, 2, -2}, out, 1e-15);
    }

    @Test
    void aDisabledNormaliserIsTheIdentityAndIgnoresUpdates() {
        ObservationNormalizer n = ObservationNormalizer.disabled(2);
        n.update(new double[] {5, 6}, 1);
        double[] out = new double[2];

        n.normalize(new double[] {5, 6}, 1, out);

        assertFalse(n.enabled());
        assertArrayEquals(new double[] {5, 6}, out);
        assertEquals(0, n.count());
    }

    @Test
    void copiesAreIndependent() {
        ObservationNormalizer n = new ObservationNormalizer(1, 10);
        n.update(new double[] {1, 2, 3}, 3);
        ObservationNormalizer c = n.copy();

        n.update(new double[] {100}, 1);

        assertEquals(3, c.count());
        assertEquals(2.0, c.mean()[0], 1e-15);
    }
}
