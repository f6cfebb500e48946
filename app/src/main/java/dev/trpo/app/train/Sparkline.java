package dev.trpo.app.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A learning curve in one line of ASCII, for the results table: readable over SSH and in CI logs, where the PNG is
 * not at hand. Each character is the mean of its share of the points, from the lowest ({@code _}) to the highest
 * ({@code #}) of those means; the first and the last value are written beside it.
 */
public final class Sparkline {
    private static final String LEVELS = "_.-~=+*%#";

    private Sparkline() {
    }

    /**
     * {@code values} (NaN left out) in at most {@code width} characters, as {@code "first [line] last"}; "-" when
     * there is no value.
     */
    public static String of(List<Double> values, int width) {
        List<Double> v = new ArrayList<>();
        for (Double d : values) {
            if (d != null && !Double.isNaN(d)) {
                v.add(d);
            }
        }
        if (v.isEmpty()) {
            return "-";
        }
        int n = Math.min(width, v.size());
        double[] cells = new double[n];
        for (int c = 0; c < n; c++) {
            int from = (int) ((long) c * v.size() / n);
            int to = (int) ((long) (c + 1) * v.size() / n);
            double sum = 0;
            for (int i = from; i < to; i++) {
                sum += v.get(i);
            }
            cells[c] = sum / (to - from);
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double d : cells) {
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        StringBuilder line = new StringBuilder(n);
        for (double d : cells) {
            int level = max > min ? (int) Math.round((d - min) / (max - min) * (LEVELS.length() - 1)) : LEVELS.length() / 2;
            line.append(LEVELS.charAt(level));
        }
        return String.format(Locale.ROOT, "%s [%s] %s", fmt(v.get(0)), line, fmt(v.get(v.size() - 1)));
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : "%.1f", d);
    }
}
