package dev.trpo.connectors.runtime;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A read-only {@code List<Double>} over a slice of a reused {@code double[]}, so a Transition's arrays need no
 * copy per step. The producer serialises a record inside {@code send}, so the slice may change right after.
 */
final class DoubleListView extends AbstractList<Double> implements RandomAccess {

    private double[] array;
    private int offset;
    private final int size;

    DoubleListView(int size) {
        this.size = size;
    }

    /** Points the view at {@code array[offset .. offset + size)}. */
    DoubleListView over(double[] array, int offset) {
        this.array = array;
        this.offset = offset;
        return this;
    }

    @Override
    public Double get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + ", size " + size);
        }
        return array[offset + index];
    }

    @Override
    public int size() {
        return size;
    }
}
