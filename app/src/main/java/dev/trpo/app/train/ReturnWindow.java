package dev.trpo.app.train;

/** Mean of the last {@code size} episode returns, in O(1) per episode. */
public final class ReturnWindow {
    /**
     * The mean of the returns {@code end - window} (or 0) to {@code end - 1} of an ordered sequence whose i-th return
     * is {@code returns.applyAsDouble(i)}; NaN when {@code end} is 0.
     */
    public static double meanOfLast(int end, int window, java.util.function.IntToDoubleFunction returns) {
        if (end == 0) {
            return Double.NaN;
        }
        double sum = 0;
        int from = Math.max(0, end - window);
        for (int i = from; i < end; i++) {
            sum += returns.applyAsDouble(i);
        }
        return sum / (end - from);
    }

    private final double[] ring;
    private int count;
    private int next;
    private double sum;

    ReturnWindow(int size) {
        this.ring = new double[size];
    }

    void add(double value) {
        if (count == ring.length) {
            sum -= ring[next];
        } else {
            count++;
        }
        ring[next] = value;
        sum += value;
        next = (next + 1) % ring.length;
    }

    /** NaN before the first episode. */
    double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    boolean full() {
        return count == ring.length;
    }
}
