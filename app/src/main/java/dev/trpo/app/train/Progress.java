package dev.trpo.app.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows a run's progress: a redrawn bar on a terminal, plain periodic lines otherwise (CI logs, pipes).
 */
final class Progress {
    private static final int BAR_WIDTH = 24;
    private static final long PLAIN_INTERVAL_NANOS = 5_000_000_000L;
    private static final long REDRAW_INTERVAL_NANOS = 250_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final long totalSteps;
    private final long startNanos = System.nanoTime();
    private long lastPlainNanos;
    private long lastRedrawNanos;
    private int lastLength;

    Progress(PrintStream out, boolean terminal, long totalSteps) {
        this.out = out;
        this.terminal = terminal;
        this.totalSteps = totalSteps;
    }

    static boolean stdoutIsTerminal() {
        return System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Redraws (terminal) or prints a line every few seconds (otherwise); {@code force} prints now. */
    void update(long steps, long episodes, long version, double meanReturn100, double kl, boolean force) {
        double elapsed = elapsedSeconds();
        double sps = elapsed > 0 ? steps / elapsed : 0;
        double fraction = totalSteps > 0 ? Math.min(1.0, (double) steps / totalSteps) : 0;
        String eta = sps > 0 && steps < totalSteps ? formatSeconds((totalSteps - steps) / sps) : "-";
        String stats = String.format(Locale.ROOT, "steps %,d/%,d  episodes %,d  v%d  return(100) %s  kl %s  %,.0f steps/s  left %s",
                steps, totalSteps, episodes, version, Double.isNaN(meanReturn100) ? "-" : String.format(Locale.ROOT, "%.1f", meanReturn100),
                Double.isNaN(kl) || version == 0 ? "-" : String.format(Locale.ROOT, "%.4f", kl), sps, eta);
        long now = System.nanoTime();
        if (terminal) {
            if (!force && now - lastRedrawNanos < REDRAW_INTERVAL_NANOS) {
                return;
            }
            lastRedrawNanos = now;
            int filled = (int) Math.round(fraction * BAR_WIDTH);
            String line = "[" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] "
                    + String.format(Locale.ROOT, "%3.0f%% ", fraction * 100) + stats;
            String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
            out.print("\r" + line + pad);
            out.flush();
            lastLength = line.length();
        } else {
            if (force || now - lastPlainNanos >= PLAIN_INTERVAL_NANOS) {
                lastPlainNanos = now;
                out.println(String.format(Locale.ROOT, "progress %3.0f%% ", fraction * 100) + stats);
            }
        }
    }

    /** Prints a line of its own (a warning), below the redrawn progress line, which is drawn again at the next update. */
    void note(String line) {
        if (terminal && lastLength > 0) {
            out.println();
            lastLength = 0;
        }
        out.println(line);
        out.flush();
    }

    /** Ends the redrawn line. */
    void finish() {
        if (terminal && lastLength > 0) {
            out.println();
        }
    }

    static String formatSeconds(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
    }
}
