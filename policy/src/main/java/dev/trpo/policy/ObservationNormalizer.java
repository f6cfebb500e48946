package dev.trpo.policy;

/**
 * Running mean and (population) variance of observations, merged exactly between instances with the parallel
 * Welford rule (Chan et al.), and the normalisation (x - mean) / sqrt(var + 1e-8) clipped to [-clip, clip].
 * A disabled normaliser ({@link #disabled}) is the identity and ignores updates. Not thread-safe.
 */
public final class ObservationNormalizer {
    /** Added to the variance before the square root, as VecNormalize does. */
    public static final double VARIANCE_EPSILON = 1e-8;

    private final int size;
    private final double clip;
    private final boolean enabled;
    private final double[] mean;
    private final double[] var;
    private double count;
    // scratch for update(): per-batch statistics, reused
    private final double[] batchMean;
    private final double[] batchM2;

    /**
     * An enabled normaliser with mean 0, variance 1 and count 0.
     *
     * @param size number of observation components, &gt;= 1
     * @param clip clip bound; &lt;= 0 or infinite means no clipping
     */
    public ObservationNormalizer(int size, double clip) {
        this(size, clip, true);
    }

    private ObservationNormalizer(int size, double clip, boolean enabled) {
        if (size < 1) {
            throw new IllegalArgumentException("normalizer size must be >= 1, got " + size);
        }
        if (Double.isNaN(clip)) {
            throw new IllegalArgumentException("normalizer clip must be a number (<= 0 or inf = no clip), got NaN");
        }
        this.size = size;
        this.clip = clip;
        this.enabled = enabled;
        this.mean = new double[size];
        this.var = new double[size];
        java.util.Arrays.fill(var, 1.0);
        this.batchMean = new double[size];
        this.batchM2 = new double[size];
    }

    /** The identity normaliser for observations of {@code size} components. */
    public static ObservationNormalizer disabled(int size) {
        return new ObservationNormalizer(size, 0, false);
    }

    /** An enabled normaliser restored from saved statistics (arrays copied). */
    public static ObservationNormalizer of(double[] mean, double[] var, double count, double clip) {
        if (mean.length != var.length) {
            throw new IllegalArgumentException("normalizer mean and var must have equal lengths, got "
                    + mean.length + " and " + var.length);
        }
        if (!(count >= 0)) {
            throw new IllegalArgumentException("normalizer count must be >= 0, got " + count);
        }
        ObservationNormalizer n = new ObservationNormalizer(mean.length, clip, true);
        System.arraycopy(mean, 0, n.mean, 0, mean.length);
        System.arraycopy(var, 0, n.var, 0, var.length);
        n.count = count;
        return n;
    }

    /** A copy of the running mean. */
    public double[] mean() {
        return mean.clone();
    }

    /** A copy of the running population variance. */
    public double[] var() {
        return var.clone();
    }

    /** Number of observations seen (0 for a fresh or disabled normaliser). */
    public double count() {
        return count;
    }

    /** The clip bound (&lt;= 0 or infinite: none). */
    public double clip() {
        return clip;
    }

    /** Number of observation components. */
    public int size() {
        return size;
    }

    /** False for the identity normaliser. */
    public boolean enabled() {
        return enabled;
    }

    /** Adds {@code batch} rows of {@code size} raw observations to the statistics (no-op when disabled). */
    public void update(double[] rawObs, int batch) {
        if (!enabled || batch <= 0) {
            return;
        }
        if (rawObs.length < batch * size) {
            throw new IllegalArgumentException("rawObs must hold batch * size = " + batch * size + " values, got "
                    + rawObs.length);
        }
        java.util.Arrays.fill(batchMean, 0);
        java.util.Arrays.fill(batchM2, 0);
        for (int r = 0; r < batch; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                batchMean[j] += rawObs[o + j];
            }
        }
        for (int j = 0; j < size; j++) {
            batchMean[j] /= batch;
        }
        for (int r = 0; r < batch; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                double d = rawObs[o + j] - batchMean[j];
                batchM2[j] += d * d;
            }
        }
        combine(batchMean, batchM2, batch, false);
    }

    /** Merges another normaliser's statistics into this one, exactly as if this had seen both streams. */
    public void merge(ObservationNormalizer other) {
        if (other.size != size) {
            throw new IllegalArgumentException("cannot merge normalizers of sizes " + size + " and " + other.size);
        }
        if (!enabled || other.count == 0) {
            return;
        }
        combine(other.mean, other.var, other.count, true);
    }

    private void combine(double[] bMean, double[] bSecond, double bCount, boolean secondIsVariance) {
        double total = count + bCount;
        for (int j = 0; j < size; j++) {
            double m2b = secondIsVariance ? bSecond[j] * bCount : bSecond[j];
            if (count == 0) {
                mean[j] = bMean[j];
                var[j] = m2b / bCount;
                continue;
            }
            double delta = bMean[j] - mean[j];
            double m2 = var[j] * count + m2b + delta * delta * count * bCount / total;
            mean[j] = mean[j] + delta * bCount / total;
            var[j] = m2 / total;
        }
        count = total;
    }

    /**
     * Normalises {@code batch} rows into {@code out}: (x - mean) / sqrt(var + 1e-8), clipped to [-clip, clip]; a
     * disabled normaliser copies. {@code out} may be {@code rawObs}.
     */
    public void normalize(double[] rawObs, int batch, double[] out) {
        int n = batch * size;
        if (!enabled) {
            if (out != rawObs) {
                System.arraycopy(rawObs, 0, out, 0, n);
            }
            return;
        }
        final boolean clipping = clip > 0 && !Double.isInfinite(clip);
        final double c = clip;
        for (int r = 0; r < batch; r++) {
            int o = r * size;
            for (int j = 0; j < size; j++) {
                double x = (rawObs[o + j] - mean[j]) / Math.sqrt(var[j] + VARIANCE_EPSILON);
                if (clipping) {
                    x = Math.max(-c, Math.min(c, x));
                }
                out[o + j] = x;
            }
        }
    }

    /** An independent copy. */
    public ObservationNormalizer copy() {
        ObservationNormalizer n = new ObservationNormalizer(size, clip, enabled);
        System.arraycopy(mean, 0, n.mean, 0, size);
        System.arraycopy(var, 0, n.var, 0, size);
        n.count = count;
        return n;
    }
}
