package dev.trpo.app.eval;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.eval.PolicyEvaluator;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Deterministic evaluation of every N-th policy version, as the final evaluation of {@code trpo train} plays it
 * ({@code episodes} episodes from seeds {@code seed}, {@code seed + 1}, ...), keeping the best version. Metrics:
 * {@code trpo.eval.return} and {@code trpo.eval.version} (the last evaluation), {@code trpo.eval.best.return},
 * {@code trpo.eval.evaluations}. Thread-safe.
 *
 * <p>The environment instances are started at the first evaluation and kept for the next ones, so a simulator that
 * takes long to load (or a robot that takes long to connect to) does so once per run; an evaluation whose environment
 * fails closes them, and the next starts new ones. {@link #close()} ends them.
 */
public final class PeriodicEvaluation implements AutoCloseable {
    /** Gauge: mean return of the last evaluation. */
    public static final String RETURN = "trpo.eval.return";
    /** Gauge: the version of the last evaluation. */
    public static final String VERSION = "trpo.eval.version";
    /** Gauge: the best mean return so far. */
    public static final String BEST_RETURN = "trpo.eval.best.return";
    /** Counter: evaluations done. */
    public static final String EVALUATIONS = "trpo.eval.evaluations";
    /** Gauge: the share of the last evaluation's episodes that achieved the task (NaN when the environment does not say). */
    public static final String SUCCESS_RATE = "trpo.eval.success.rate";

    /** An evaluated version. */
    public record Evaluated(PolicySnapshot snapshot, PolicyEvaluator.Result result) {
        public long version() {
            return snapshot.getVersion();
        }

        public double mean() {
            return result.mean();
        }
    }

    private final String envId;
    private final int every;
    private final int episodes;
    private final long seed;
    private final int instances;
    private final AtomicReference<Evaluated> last = new AtomicReference<>();
    private final AtomicReference<Evaluated> best = new AtomicReference<>();
    private final Counter evaluations;
    /** The instances kept between evaluations (guarded by this), or null before the first and after a failure. */
    private List<Environment> pool;
    private boolean closed;

    /**
     * @param every    evaluate the versions that are positive multiples of this; 0 = none are due
     * @param episodes deterministic episodes per evaluation, &gt;= 1
     * @param seed     seed of the first episode
     */
    public PeriodicEvaluation(String runId, String envId, int every, int episodes, long seed, MeterRegistry registry) {
        this(runId, envId, every, episodes, seed, 1, registry);
    }

    /**
     * @param instances environment instances that play an evaluation's episodes at once (the figures do not depend
     *                  on it; see {@link PolicyEvaluator#evaluate(dev.trpo.policy.ActorCritic, String, int, long, int)})
     */
    public PeriodicEvaluation(String runId, String envId, int every, int episodes, long seed, int instances,
                              MeterRegistry registry) {
        if (every < 0) {
            throw new IllegalArgumentException("evaluation interval must be >= 0 versions (0 = off), got " + every);
        }
        if (episodes < 1) {
            throw new IllegalArgumentException("evaluation episodes must be >= 1, got " + episodes);
        }
        if (instances < 1) {
            throw new IllegalArgumentException("evaluation instances must be >= 1, got " + instances);
        }
        this.envId = envId;
        this.every = every;
        this.episodes = episodes;
        this.seed = seed;
        this.instances = instances;
        Tags tags = Tags.of("run", runId, "env", envId);
        Gauge.builder(RETURN, last, r -> r.get() == null ? Double.NaN : r.get().mean()).tags(tags)
                .description("Mean return of the last deterministic evaluation").register(registry);
        Gauge.builder(VERSION, last, r -> r.get() == null ? Double.NaN : r.get().version()).tags(tags)
                .description("Policy version of the last deterministic evaluation").register(registry);
        Gauge.builder(BEST_RETURN, best, r -> r.get() == null ? Double.NaN : r.get().mean()).tags(tags)
                .description("Best mean return of the deterministic evaluations so far").register(registry);
        Gauge.builder(SUCCESS_RATE, last, r -> r.get() == null ? Double.NaN : r.get().result().successRate()).tags(tags)
                .description("Share of the last evaluation's episodes that achieved the task, when the environment says")
                .register(registry);
        this.evaluations = Counter.builder(EVALUATIONS).tags(tags).description("Deterministic evaluations done")
                .register(registry);
    }

    /** Whether {@code version} is one to evaluate. */
    public boolean due(long version) {
        return every > 0 && version > 0 && version % every == 0;
    }

    /** Evaluates {@code snapshot} (due or not) and keeps it when it is the best so far; a later version wins a tie. */
    public Evaluated evaluate(PolicySnapshot snapshot) {
        PolicyEvaluator.Result r = play(snapshot, episodes);
        Evaluated e = new Evaluated(snapshot, r);
        last.set(e);
        best.accumulateAndGet(e, (b, n) -> b == null || n.mean() >= b.mean() ? n : b);
        evaluations.increment();
        return e;
    }

    /** Whether the last evaluation was of {@code snapshot}'s version (so {@link #evaluated} plays nothing). */
    public boolean hasEvaluated(PolicySnapshot snapshot) {
        Evaluated e = last.get();
        return e != null && e.version() == snapshot.getVersion();
    }

    /** The evaluation of {@code snapshot}: the last one when it was of this version, else a new one. */
    public Evaluated evaluated(PolicySnapshot snapshot) {
        Evaluated e = last.get();
        return e != null && e.version() == snapshot.getVersion() ? e : evaluate(snapshot);
    }

    /** The best evaluated version so far, or null before the first evaluation. */
    public Evaluated best() {
        return best.get();
    }

    /**
     * Plays the first {@code count} episodes of an evaluation (from the same seeds) on the kept instances, without
     * recording them as one: a quick check of a version.
     */
    public PolicyEvaluator.Result play(PolicySnapshot snapshot, int count) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the evaluation's environments are closed");
            }
            if (pool == null) {
                pool = Environments.create(envId, Math.min(instances, episodes), i -> "eval-" + i);
            }
            try {
                return PolicyEvaluator.evaluate(Snapshots.toActorCritic(snapshot), pool, count, seed);
            } catch (RuntimeException e) {
                // a failed simulator (or one left mid-episode) is not played again: the next evaluation starts anew
                closePool();
                throw e;
            }
        }
    }

    /** Ends the kept environment instances; evaluating afterwards is refused. */
    @Override
    public synchronized void close() {
        closed = true;
        closePool();
    }

    private void closePool() {
        if (pool != null) {
            pool.forEach(Environment::close);
            pool = null;
        }
    }
}
