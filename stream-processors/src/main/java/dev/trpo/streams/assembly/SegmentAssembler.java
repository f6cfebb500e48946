package dev.trpo.streams.assembly;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import dev.trpo.policy.Gae;
import dev.trpo.schemas.EpisodeEnding;
import dev.trpo.schemas.EpisodeSummary;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentEnd;
import dev.trpo.schemas.SegmentStep;
import dev.trpo.schemas.Transition;
import dev.trpo.streams.StreamsMeters;
import dev.trpo.streams.StreamsSettings;
import dev.trpo.streams.validation.DlqReason;
import dev.trpo.streams.validation.InvalidTransitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each actor's validated transitions into segments with GAE advantages, and episodes into summaries.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Order.</b> A step must follow the actor's last accepted one: the next step of the same open episode, or
 *   step 0 of a later episode. A step at or before the last accepted (episode, step) is a duplicate: dropped,
 *   counted, dead-lettered. Any other step (a gap, a step of a closed episode) is dead-lettered as out of order;
 *   after a lost step the rest of that episode is out of order, and its open run is closed as abandoned when the
 *   actor starts its next episode or goes silent. An actor's first step ever may be any step (after the input's
 *   retention dropped its beginning, say); that episode's summary then covers the steps seen.</li>
 *   <li><b>Restarts.</b> Episode 0 step 0 after later steps is an actor started again from scratch (a connector
 *   restarted without its checkpoint, an external producer restarted under its id): the open run is closed as for
 *   a silent actor, the open episode gets a {@code RESTARTED} summary, and the new steps are accepted and train.
 *   Counted in {@code trpo.streams.actor.restarts}. (A connector that resumes from its checkpoint continues its
 *   numbering and needs none of this.)</li>
 *   <li><b>Cuts.</b> The open run (one actor, one policy version, one episode) becomes a segment when the episode
 *   ends ({@code EPISODE_END}), at a step with {@code lastOfVersion} ({@code VERSION_END}, bootstrapping from its
 *   bootstrap value), when it reaches {@code segment-length} steps ({@code LENGTH}), or when a step of another
 *   policy version arrives (async mode; {@code VERSION_END}, closed before the new step joins).</li>
 *   <li><b>Bootstrap.</b> A terminated step bootstraps from 0; a truncated one from its bootstrap value. A cut in
 *   the middle of an episode bootstraps from the step's bootstrap value when it carries one; otherwise the run is
 *   kept (pending) until the actor's next step arrives, whose value V(obs) is V(next obs) of the cut step, and the
 *   segment is emitted then, without that next step. A version change in the middle of an episode does the same
 *   with the new step's value, computed by the next version's critic: the best estimate there is.</li>
 *   <li><b>Silent actors.</b> A wall-clock punctuator ({@value #IDLE_PUNCTUATOR}) closes the open run of an actor
 *   silent for the idle timeout (and so does the actor's starting a new episode without ending the previous one).
 *   The held steps whose V(next obs) is known are emitted as an {@code IDLE_TIMEOUT} segment: every step but the
 *   last bootstraps from the next held step's value, the last only if it carries its bootstrap value; a last
 *   step without one can get no advantage and is counted in {@code trpo.streams.abandoned.steps}. The episode
 *   gets an {@code ABANDONED} summary; its later steps, if the actor comes back, are out of order.</li>
 *   <li><b>Episodes.</b> The running return and length of the current episode live in the actor's state, so an
 *   episode spanning many segments gets one summary, with the policy version of its last step.</li>
 * </ul>
 *
 * <p>State: the {@value #STORE} store, keyed by actor id, holds an {@link ActorState} per actor in a compact
 * fixed-stride binary form. Decoded states are kept in a map for the life of the task, so a step costs one step's
 * encoding and one copy, not a decode and re-encode of the whole run; the map is rebuilt from the store when the
 * task is (re)initialised, and an actor's entry is dropped when processing it fails, so the store stays the truth.
 */
public final class SegmentAssembler implements Processor<String, Transition, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentAssembler.class);
    /** The persistent store of actor states. */
    public static final String STORE = "actor-runs";
    /** Child the segments are forwarded to (the segments sink). */
    public static final String SEGMENTS_OUTPUT = "segments-sink";
    /** Child the episode summaries are forwarded to (the episodes sink). */
    public static final String EPISODES_OUTPUT = "episodes-sink";
    /** Name of the punctuator that closes the runs of silent actors (used in logs and docs). */
    public static final String IDLE_PUNCTUATOR = "idle-actor-closer";

    private final StreamsSettings settings;
    private final StreamsMeters meters;
    private final StepLayout layout;
    private final long idleTimeoutMs;
    private final double[] rewards;
    private final double[] values;
    private final double[] nextValues;
    private final boolean[] terminated;
    private final boolean[] episodeEnds;
    private final double[] advantages;
    private final double[] returns;

    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ActorState> store;
    private Map<String, ActorState> live;
    private long startedMs;

    public SegmentAssembler(StreamsSettings settings, StreamsMeters meters) {
        this.settings = settings;
        this.meters = meters;
        this.layout = StepLayout.of(settings.observationSize(), settings.actionKind(), settings.actionSize());
        this.idleTimeoutMs = settings.idleTimeout().toMillis();
        int n = settings.segmentLength();
        this.rewards = new double[n];
        this.values = new double[n];
        this.nextValues = new double[n];
        this.terminated = new boolean[n];
        this.episodeEnds = new boolean[n];
        this.advantages = new double[n];
        this.returns = new double[n];
    }

    /** The builder of the persistent, cached, changelogged {@value #STORE} store for these settings. */
    public static StoreBuilder<KeyValueStore<String, ActorState>> storeBuilder(StreamsSettings settings) {
        StepLayout layout = StepLayout.of(settings.observationSize(), settings.actionKind(), settings.actionSize());
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), new ActorStateSerde(layout))
                .withCachingEnabled()
                .withLoggingEnabled(Map.of());
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.live = new HashMap<>();
        this.startedMs = context.currentSystemTimeMs();
        Duration every = settings.idleCheckInterval();
        context.schedule(every, PunctuationType.WALL_CLOCK_TIME, this::closeIdleActors);
    }

    @Override
    public void process(Record<String, Transition> record) {
        Transition t = record.value();
        String actor = t.getActorId();
        ActorState s = load(actor);
        ActorState.Continuity continuity = s.classify(t.getEpisode(), t.getStep());
        if (continuity == ActorState.Continuity.DUPLICATE) {
            meters.duplicate();
            throw new InvalidTransitionException(DlqReason.DUPLICATE, "actor " + actor + " episode " + t.getEpisode() + " step " + t.getStep()
                    + " was already seen (last accepted: episode " + s.lastEpisode + " step " + s.lastStep + ")");
        }
        if (continuity == ActorState.Continuity.OUT_OF_ORDER) {
            throw new InvalidTransitionException(DlqReason.OUT_OF_ORDER, "actor " + actor + " episode " + t.getEpisode() + " step " + t.getStep()
                    + " does not follow episode " + s.lastEpisode + " step " + s.lastStep
                    + (s.episodeOpen ? "" : " (that episode is closed)"));
        }
        try {
            long ts = record.timestamp();
            if (continuity == ActorState.Continuity.NEW_EPISODE && (s.episodeOpen || s.runSize > 0)) {
                abandon(actor, s, ts, EpisodeEnding.ABANDONED);
            } else if (continuity == ActorState.Continuity.RESTART) {
                LOG.info("actor restarted run={} actor={} at episode 0 step 0 after episode {} step {}: its open"
                        + " episode is closed as restarted, its new steps train", settings.runId(), actor,
                        s.lastEpisode, s.lastStep);
                meters.restarted();
                abandon(actor, s, ts, EpisodeEnding.RESTARTED);
            }
            if (s.runSize > 0) {
                int last = s.runSize - 1;
                if (s.pendingCut) {
                    emit(actor, s, s.runSize, t.getValue(), SegmentEnd.LENGTH, ts);
                } else if (t.getPolicyVersion() != s.runVersion) {
                    emit(actor, s, s.runSize, s.hasBootstrap(last) ? s.bootstrap(last) : t.getValue(), SegmentEnd.VERSION_END, ts);
                }
            }
            s.append(t);
            int last = s.runSize - 1;
            if (t.getTerminated() || t.getTruncated()) {
                emit(actor, s, s.runSize, t.getTerminated() ? 0.0 : s.bootstrap(last), SegmentEnd.EPISODE_END, ts);
                summarise(actor, s, t.getTerminated() ? EpisodeEnding.TERMINATED : EpisodeEnding.TRUNCATED, ts);
            } else if (t.getLastOfVersion()) {
                emit(actor, s, s.runSize, s.bootstrap(last), SegmentEnd.VERSION_END, ts);
            } else if (s.runSize >= settings.segmentLength()) {
                if (s.hasBootstrap(last)) {
                    emit(actor, s, s.runSize, s.bootstrap(last), SegmentEnd.LENGTH, ts);
                } else {
                    s.pendingCut = true;
                }
            }
            s.lastSeenMs = context.currentSystemTimeMs();
            store.put(actor, s);
            meters.transitionAccepted();
        } catch (RuntimeException e) {
            live.remove(actor);
            throw e;
        }
    }

    private ActorState load(String actor) {
        ActorState s = live.get(actor);
        if (s == null) {
            s = store.get(actor);
            if (s == null) {
                s = new ActorState(layout);
            }
            live.put(actor, s);
        }
        return s;
    }

    /**
     * Emits the first {@code count} held steps as a segment and clears the run.
     *
     * @param lastNextValue V(observation after step count-1); ignored when that step terminated the episode
     */
    private void emit(String actor, ActorState s, int count, double lastNextValue, SegmentEnd end, long timestamp) {
        for (int i = 0; i < count; i++) {
            rewards[i] = s.learningReward(i);
            values[i] = s.value(i);
            terminated[i] = s.terminated(i);
            episodeEnds[i] = terminated[i] || s.truncated(i);
            nextValues[i] = i + 1 < count ? s.nextValue(i) : lastNextValue;
        }
        Gae.compute(count, rewards, values, nextValues, terminated, episodeEnds, settings.gamma(), settings.lambda(), advantages, returns);
        List<SegmentStep> steps = new ArrayList<>(count);
        int obsSize = layout.observationSize();
        for (int i = 0; i < count; i++) {
            List<Double> obs = new ArrayList<>(obsSize);
            for (int j = 0; j < obsSize; j++) {
                obs.add(s.observation(i, j));
            }
            Integer discrete = null;
            List<Double> continuous = null;
            if (layout.discrete()) {
                discrete = s.discreteAction(i);
            } else {
                continuous = new ArrayList<>(layout.actionSize());
                for (int j = 0; j < layout.actionSize(); j++) {
                    continuous.add(s.continuousAction(i, j));
                }
            }
            steps.add(new SegmentStep(s.episode(i), s.step(i), obs, discrete, continuous, s.reward(i), terminated[i], s.truncated(i),
                    s.behaviourLogProb(i), values[i], advantages[i], returns[i]));
        }
        Segment segment = new Segment(settings.runId(), settings.envId(), actor, s.runVersion, end, settings.gamma(), settings.lambda(), steps);
        context.forward(new Record<String, SpecificRecord>(actor, segment, timestamp), SEGMENTS_OUTPUT);
        meters.segmentEmitted(end, count);
        s.clearRun();
    }

    private void summarise(String actor, ActorState s, EpisodeEnding ending, long timestamp) {
        EpisodeSummary summary = new EpisodeSummary(settings.runId(), settings.envId(), actor, s.lastEpisode, s.episodeReturn,
                s.episodeLength, ending, s.episodeVersion, s.lastTimestampMs);
        context.forward(new Record<String, SpecificRecord>(actor, summary, timestamp), EPISODES_OUTPUT);
        meters.episodeEnded(ending);
        s.closeEpisode();
    }

    /** Closes a silent (or restarted) actor's open run and episode; see the class comment. */
    private void abandon(String actor, ActorState s, long timestamp, EpisodeEnding ending) {
        if (s.runSize > 0) {
            int last = s.runSize - 1;
            if (s.hasBootstrap(last)) {
                emit(actor, s, s.runSize, s.bootstrap(last), SegmentEnd.IDLE_TIMEOUT, timestamp);
            } else {
                if (last > 0) {
                    emit(actor, s, last, s.nextValue(last - 1), SegmentEnd.IDLE_TIMEOUT, timestamp);
                }
                meters.abandoned(1);
                s.clearRun();
            }
        }
        if (s.episodeOpen) {
            summarise(actor, s, ending, timestamp);
        }
    }

    private void closeIdleActors(long now) {
        List<String> idle = new ArrayList<>();
        try (KeyValueIterator<String, ActorState> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ActorState> kv = it.next();
                ActorState s = live.getOrDefault(kv.key, kv.value);
                // A restarted application gives every actor a full timeout to be heard from again.
                boolean silent = Math.max(s.lastSeenMs, startedMs) + idleTimeoutMs <= now;
                if (silent && (s.episodeOpen || s.runSize > 0)) {
                    idle.add(kv.key);
                }
            }
        }
        for (String actor : idle) {
            ActorState s = load(actor);
            try {
                abandon(actor, s, now, EpisodeEnding.ABANDONED);
                store.put(actor, s);
            } catch (RuntimeException e) {
                live.remove(actor);
                throw e;
            }
        }
    }
}
