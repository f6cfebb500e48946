package dev.trpo.policy;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the two halves of a batch computation: the second is offered to one process-wide spare-core worker thread, the
 * first runs on the caller, and {@link #run} returns when both are done. Whoever gets to the second half first runs
 * it: if the worker is busy with another owner or has not picked it up by the time the caller is done with the first
 * half, the caller runs it itself. Results never depend on which thread ran which half: every half writes only its
 * own rows and its own gradient buffer, and the caller combines the halves in a fixed order afterwards. The split
 * point is fixed by the row count alone ({@link #split}).
 *
 * <p>The worker spins briefly between tasks (a critic minibatch half is ~0.1 ms, shorter than a park/unpark round
 * trip) and parks when idle. Allocates nothing per call; not thread-safe (one per owner).
 */
final class BatchHalves {
    /** Below this many rows the caller runs both halves: handing one over costs more than it saves. */
    private static final int MIN_PARALLEL_ROWS = 32;

    private final Runnable first;
    private final Runnable second;

    /**
     * @param firstHalf  the work on rows [0, split(n))
     * @param secondHalf the work on rows [split(n), n)
     */
    BatchHalves(Runnable firstHalf, Runnable secondHalf) {
        this.first = firstHalf;
        this.second = secondHalf;
    }

    /** Rows of the first half of {@code n}: half of n rounded up to a multiple of 4 (the kernels' block), at most n. */
    static int split(int n) {
        return Math.min(n, ((n + 1) / 2 + 3) & ~3);
    }

    /** Runs both halves; the second possibly on the spare core when {@code rows} is large enough. */
    void run(int rows) {
        SpareCore core = rows >= MIN_PARALLEL_ROWS ? SpareCore.get() : null;
        if (core == null || !core.offer(second)) {
            first.run();
            second.run();
            return;
        }
        first.run();
        core.finish(second);
    }

    /** The process-wide worker. At most one task at a time; an owner that cannot place its task runs it itself. */
    private static final class SpareCore implements Runnable {
        private static final int SPIN_BEFORE_PARK = 200_000;
        private static final int SPIN_BEFORE_YIELD = 10_000;
        private static final Runnable TAKEN = () -> { };
        private static final Runnable DONE = () -> { };
        private static volatile SpareCore instance;

        /** null: free; a task: offered; TAKEN: running on the worker; DONE: finished, waiting for its owner. */
        private final AtomicReference<Runnable> slot = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean parked;
        private volatile Throwable failure;

        private SpareCore() {
            thread = new Thread(this, "trpo-policy-spare-core");
            thread.setDaemon(true);
        }

        /** The worker, started on first use; null on a single-core machine. */
        static SpareCore get() {
            SpareCore c = instance;
            if (c == null) {
                synchronized (SpareCore.class) {
                    c = instance;
                    if (c == null) {
                        if (Runtime.getRuntime().availableProcessors() < 2) {
                            return null;
                        }
                        c = new SpareCore();
                        c.thread.start();
                        instance = c;
                    }
                }
            }
            return c;
        }

        /** Places the task; false when the worker is already serving another owner. */
        boolean offer(Runnable task) {
            if (!slot.compareAndSet(null, task)) {
                return false;
            }
            if (parked) {
                LockSupport.unpark(thread);
            }
            return true;
        }

        /** After the caller's own half: runs the task itself if the worker has not taken it, else waits for it. */
        void finish(Runnable task) {
            if (slot.compareAndSet(task, null)) {
                task.run();
                return;
            }
            int spins = 0;
            while (slot.get() != DONE) {
                if (++spins > SPIN_BEFORE_YIELD) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
            Throwable t = failure;
            failure = null;
            slot.set(null);
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }

        @Override
        public void run() {
            while (true) {
                Runnable task = awaitTask();
                try {
                    task.run();
                } catch (Throwable t) {
                    failure = t;
                }
                slot.set(DONE);
            }
        }

        private Runnable awaitTask() {
            int spins = 0;
            while (true) {
                Runnable task = slot.get();
                if (task != null && task != TAKEN && task != DONE && slot.compareAndSet(task, TAKEN)) {
                    return task;
                }
                if (++spins < SPIN_BEFORE_PARK) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                task = slot.get();
                if (task == null || task == TAKEN || task == DONE) {
                    LockSupport.park(this);
                }
                parked = false;
                spins = 0;
            }
        }
    }
}
