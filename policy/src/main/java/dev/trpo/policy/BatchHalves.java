package dev.trpo.policy;

import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Runs the two halves of a batch computation: the second is forked to {@link java.util.concurrent.ForkJoinPool#commonPool()}
 * (one spare core on a two-core machine), the first runs on the caller, and {@link #run} returns when both are done;
 * if no pool worker is free the caller runs the second half itself. Results never depend on which thread ran which
 * half: every half writes only its own rows and its own gradient buffer, and the caller combines the halves in a fixed
 * order afterwards. The split point is fixed by the row count alone ({@link #split}).
 *
 * <p>Allocates nothing per call; not thread-safe (one per owner).
 */
final class BatchHalves {
    /** Below this many rows the second half is run by the caller: forking costs more than it saves. */
    private static final int MIN_PARALLEL_ROWS = 64;

    private final Half second;

    /**
     * @param firstHalf  the work on rows [0, split(n))
     * @param secondHalf the work on rows [split(n), n)
     */
    BatchHalves(Runnable firstHalf, Runnable secondHalf) {
        this.first = firstHalf;
        this.second = new Half(secondHalf);
    }

    private final Runnable first;

    /** Rows of the first half of {@code n}: half of n rounded up to a multiple of 4 (the kernels' block), at most n. */
    static int split(int n) {
        return Math.min(n, ((n + 1) / 2 + 3) & ~3);
    }

    /** Runs both halves; the second on another thread when {@code rows} is large enough to be worth it. */
    void run(int rows) {
        if (rows < MIN_PARALLEL_ROWS || ForkJoinTask.inForkJoinPool()) {
            first.run();
            second.work.run();
            return;
        }
        second.reinitialize();
        second.fork();
        first.run();
        second.join();
    }

    private static final class Half extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient Runnable work;

        Half(Runnable work) {
            this.work = work;
        }

        @Override
        protected void compute() {
            work.run();
        }
    }
}
