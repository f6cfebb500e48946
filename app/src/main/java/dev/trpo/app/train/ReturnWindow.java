package dev.trpo.app.train;

/** Mean of the last {@code size} episode returns, in O(1) per episode. */
final class ReturnWindow {
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
