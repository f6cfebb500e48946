package dev.trpo.trainer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.trpo.policy.UpdateStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The trainer's Micrometer meters. Names are the constants below (Prometheus shows {@code trpo.trainer.update.kl} as
 * {@code trpo_trainer_update_kl}); every meter is tagged {@code run} and {@code env} only. Gauges hold the value of
 * the most recent update.
 */
public final class TrainerMetrics {
    private final Tags tags;

    /** The tags every trainer meter carries (run, env), for binders such as Kafka client metrics. */
    public Tags tags() {
        return tags;
    }

    /** Gauge: the newest policy version this trainer published or restored. */
    public static final String POLICY_VERSION = "trpo.trainer.policy.version";
    /** Gauge: mean KL(pi_old || pi_new) over the batch of the last update (0 when rejected). */
    public static final String KL = "trpo.trainer.update.kl";
    /** Gauge: surrogate after minus surrogate before of the last update (0 when rejected). */
    public static final String SURROGATE_IMPROVEMENT = "trpo.trainer.update.surrogate.improvement";
    /** Gauge: line-search candidates evaluated in the last update. */
    public static final String LINE_SEARCH_STEPS = "trpo.trainer.update.line.search.steps";
    /** Gauge: final squared residual norm of conjugate gradient in the last update. */
    public static final String CG_RESIDUAL = "trpo.trainer.update.cg.residual";
    /** Gauge: mean policy entropy over the last batch, before the step. */
    public static final String ENTROPY = "trpo.trainer.update.entropy";
    /** Gauge: critic mean squared error after the last fit. */
    public static final String VALUE_LOSS = "trpo.trainer.update.value.loss";
    /** Gauge: explained variance of the critic on the last batch, before the fit. */
    public static final String EXPLAINED_VARIANCE = "trpo.trainer.update.explained.variance";
    /** Gauge: samples per second, the last batch's size over the wall time since the previous publication. */
    public static final String SAMPLES_PER_SECOND = "trpo.trainer.samples.per.second";
    /** Gauge: versions between the oldest sample of the last batch and the policy it updated (0 in sync mode). */
    public static final String POLICY_LAG = "trpo.trainer.batch.policy.lag";
    /** Gauge: the factor the newest version's actors multiply rewards by (1 without reward normalisation). */
    public static final String REWARD_SCALE = "trpo.trainer.reward.scale";
    /** Timer: wall time of one update (policy step, critic fit, normaliser update), Kafka excluded. */
    public static final String UPDATE_DURATION = "trpo.trainer.update.duration";
    /** Counter: samples (environment steps) trained on. */
    public static final String SAMPLES = "trpo.trainer.samples";
    /** Counter: samples dropped because their policy version was too old for the mode. */
    public static final String STALE_SAMPLES_DROPPED = "trpo.trainer.stale.samples.dropped";
    /** Counter: updates whose line search (or CG) found no acceptable step; the version is still published. */
    public static final String UPDATES_REJECTED = "trpo.trainer.updates.rejected";
    /** Counter: samples dead-lettered because their version was never published (ahead of the trainer). */
    public static final String FUTURE_SAMPLES_DROPPED = "trpo.trainer.future.samples.dropped";
    /** Counter: sessions ended because the broker was unreachable (the trainer retried). */
    public static final String BROKER_RETRIES = "trpo.trainer.broker.retries";
    /** Counter: stall reports (no version published for the stall timeout; see the log line). */
    public static final String STALLS = "trpo.trainer.stalls";
    /** Gauge: seconds since the last version was published (or the trainer started). */
    public static final String BATCH_WAIT = "trpo.trainer.batch.wait.seconds";
    /** Counter: segment records skipped because they could not be decoded or did not fit the environment. */
    public static final String INVALID_SEGMENTS = "trpo.trainer.invalid.segments";

    private final AtomicLong version = new AtomicLong(-1);
    private final AtomicLong kl = new AtomicLong();
    private final AtomicLong surrogateImprovement = new AtomicLong();
    private final AtomicLong lineSearchSteps = new AtomicLong();
    private final AtomicLong cgResidual = new AtomicLong();
    private final AtomicLong entropy = new AtomicLong();
    private final AtomicLong valueLoss = new AtomicLong();
    private final AtomicLong explainedVariance = new AtomicLong();
    private final AtomicLong samplesPerSecond = new AtomicLong();
    private final AtomicLong policyLag = new AtomicLong();
    private final AtomicLong rewardScale = new AtomicLong(Double.doubleToRawLongBits(1.0));
    private final Timer updateDuration;
    private final Counter samples;
    private final Counter staleDropped;
    private final Counter rejected;
    private final Counter invalid;
    private final Counter futureDropped;
    private final Counter stalls;
    private final Counter brokerRetries;
    private final AtomicLong batchWait = new AtomicLong();

    /** Registers every meter for one run and environment. */
    public TrainerMetrics(MeterRegistry registry, String runId, String envId) {
        Tags tags = Tags.of("run", runId, "env", envId);
        this.tags = tags;
        Gauge.builder(POLICY_VERSION, version, AtomicLong::doubleValue).tags(tags)
                .description("newest policy version published or restored").register(registry);
        doubleGauge(registry, KL, kl, tags, "mean KL(old || new) of the last update");
        doubleGauge(registry, SURROGATE_IMPROVEMENT, surrogateImprovement, tags, "surrogate gain of the last update");
        doubleGauge(registry, LINE_SEARCH_STEPS, lineSearchSteps, tags, "line-search candidates of the last update");
        doubleGauge(registry, CG_RESIDUAL, cgResidual, tags, "final CG squared residual of the last update");
        doubleGauge(registry, ENTROPY, entropy, tags, "mean policy entropy of the last batch");
        doubleGauge(registry, VALUE_LOSS, valueLoss, tags, "critic MSE after the last fit");
        doubleGauge(registry, EXPLAINED_VARIANCE, explainedVariance, tags, "critic explained variance before the last fit");
        doubleGauge(registry, SAMPLES_PER_SECOND, samplesPerSecond, tags, "samples trained per second of wall time");
        doubleGauge(registry, REWARD_SCALE, rewardScale, tags, "reward scale of the newest version (VecNormalize-style)");
        Gauge.builder(POLICY_LAG, policyLag, AtomicLong::doubleValue).tags(tags)
                .description("versions between the oldest sample of the last batch and the policy it updated")
                .register(registry);
        this.updateDuration = Timer.builder(UPDATE_DURATION).tags(tags).description("wall time of one update")
                .register(registry);
        this.samples = Counter.builder(SAMPLES).tags(tags).description("samples trained on")
                .register(registry);
        this.staleDropped = Counter.builder(STALE_SAMPLES_DROPPED).tags(tags)
                .description("samples dropped for being too old").register(registry);
        this.rejected = Counter.builder(UPDATES_REJECTED).tags(tags).description("updates without an acceptable step")
                .register(registry);
        this.invalid = Counter.builder(INVALID_SEGMENTS).tags(tags).description("segment records skipped as invalid")
                .register(registry);
        this.futureDropped = Counter.builder(FUTURE_SAMPLES_DROPPED).tags(tags)
                .description("samples of a version never published, dead-lettered").register(registry);
        this.stalls = Counter.builder(STALLS).tags(tags).description("stall reports").register(registry);
        this.brokerRetries = Counter.builder(BROKER_RETRIES).tags(tags)
                .description("sessions retried because the broker was unreachable").register(registry);
        doubleGauge(registry, BATCH_WAIT, batchWait, tags, "seconds since the last version was published");
    }

    private static void doubleGauge(MeterRegistry registry, String name, AtomicLong bits, Tags tags, String doc) {
        Gauge.builder(name, bits, b -> Double.longBitsToDouble(b.get())).tags(tags).description(doc).register(registry);
    }

    private static void set(AtomicLong bits, double v) {
        bits.set(Double.doubleToRawLongBits(v));
    }

    void version(long v) {
        version.set(v);
    }

    void rewardScale(double scale) {
        set(rewardScale, scale);
    }

    void staleDropped(long n) {
        if (n > 0) {
            staleDropped.increment(n);
        }
    }

    void futureDropped(long n) {
        if (n > 0) {
            futureDropped.increment(n);
        }
    }

    void brokerRetry() {
        brokerRetries.increment();
    }

    void stall() {
        stalls.increment();
    }

    void waiting(double seconds) {
        set(batchWait, seconds);
    }

    void invalidSegment() {
        invalid.increment();
    }

    void update(UpdateStats s, int batchSize, Duration duration, double sps, long lag) {
        policyLag.set(lag);
        set(kl, s.klOldNew());
        set(surrogateImprovement, s.surrogateAfter() - s.surrogateBefore());
        set(lineSearchSteps, s.lineSearchSteps());
        set(cgResidual, s.cgResidual());
        set(entropy, s.entropy());
        set(valueLoss, s.valueLossAfter());
        set(explainedVariance, s.explainedVariance());
        set(samplesPerSecond, sps);
        updateDuration.record(duration);
        samples.increment(batchSize);
        if (!s.accepted()) {
            rejected.increment();
        }
    }
}
