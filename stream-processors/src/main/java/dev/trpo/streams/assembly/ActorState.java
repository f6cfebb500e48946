package dev.trpo.streams.assembly;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import dev.trpo.schemas.Transition;

/**
 * What the assembler remembers about one actor: the last step it accepted (to check that the next one follows),
 * the running return of the current episode (an episode spans segments), and the open run of steps not yet
 * emitted, all under one policy version. Mutable, owned by one processor; stored with {@link ActorStateSerde}.
 */
final class ActorState {
    /** How an incoming step relates to the actor's last accepted one. */
    enum Continuity {
        /** The actor's first step ever seen here. */
        FIRST,
        /** The next step of the current episode. */
        NEXT_STEP,
        /** Step 0 of a later episode. */
        NEW_EPISODE,
        /**
         * Episode 0 step 0 after later steps: the actor's producer started again from scratch (a restart that did not
         * resume from a checkpoint, an external producer restarted under its id). Its open episode is closed and
         * the new steps are accepted.
         */
        RESTART,
        /** At or before the last accepted step: already seen. */
        DUPLICATE,
        /** After the last accepted step but not next to it, or a step of an episode already closed. */
        OUT_OF_ORDER
    }

    final StepLayout layout;

    boolean hasLast;
    long lastEpisode;
    int lastStep;
    /** The last accepted step's episode has neither ended nor been abandoned. */
    boolean episodeOpen;
    double episodeReturn;
    int episodeLength;
    long episodeVersion;
    long lastTimestampMs;
    /** Wall-clock time the last step was accepted (the idle timeout counts from here). */
    long lastSeenMs;

    long runVersion;
    int runSize;
    /** The run reached the segment length at a step without bootstrap value: it closes when the next step brings V(next obs). */
    boolean pendingCut;
    private byte[] steps;
    private ByteBuffer buffer;

    ActorState(StepLayout layout) {
        this(layout, new byte[layout.stride() * 8]);
    }

    private ActorState(StepLayout layout, byte[] steps) {
        this.layout = layout;
        this.steps = steps;
        this.buffer = ByteBuffer.wrap(steps);
    }

    Continuity classify(long episode, int step) {
        if (!hasLast) {
            return Continuity.FIRST;
        }
        if (episode == 0 && step == 0 && (lastEpisode > 0 || lastStep > 0)) {
            return Continuity.RESTART;
        }
        if (episode < lastEpisode || (episode == lastEpisode && step <= lastStep)) {
            return Continuity.DUPLICATE;
        }
        if (episode == lastEpisode) {
            return step == lastStep + 1 && episodeOpen ? Continuity.NEXT_STEP : Continuity.OUT_OF_ORDER;
        }
        return step == 0 ? Continuity.NEW_EPISODE : Continuity.OUT_OF_ORDER;
    }

    /** Appends a validated step to the open run and to the episode's running return. */
    void append(Transition t) {
        if (runSize == 0) {
            runVersion = t.getPolicyVersion();
        }
        int stride = layout.stride();
        int base = runSize * stride;
        if (base + stride > steps.length) {
            steps = Arrays.copyOf(steps, Math.max(steps.length * 2, base + stride));
            buffer = ByteBuffer.wrap(steps);
        }
        ByteBuffer b = buffer;
        b.putLong(base + layout.episodeOffset(), t.getEpisode());
        b.putInt(base + layout.stepOffset(), t.getStep());
        List<Double> obs = t.getObservation();
        int o = base + layout.observationOffset();
        for (int i = 0; i < layout.observationSize(); i++) {
            b.putDouble(o + 8 * i, obs.get(i));
        }
        int a = base + layout.actionOffset();
        if (layout.discrete()) {
            b.putInt(a, t.getDiscreteAction());
        } else {
            List<Double> action = t.getContinuousAction();
            for (int i = 0; i < layout.actionSize(); i++) {
                b.putDouble(a + 8 * i, action.get(i));
            }
        }
        b.putDouble(base + layout.rewardOffset(), t.getReward());
        Double learning = t.getLearningReward();
        b.putDouble(base + layout.learningRewardOffset(), learning != null ? learning : t.getReward());
        Double bootstrap = t.getBootstrapValue();
        int flags = (t.getTerminated() ? StepLayout.TERMINATED : 0) | (t.getTruncated() ? StepLayout.TRUNCATED : 0)
                | (bootstrap != null ? StepLayout.HAS_BOOTSTRAP : 0) | (t.getLastOfVersion() ? StepLayout.LAST_OF_VERSION : 0);
        b.put(base + layout.flagsOffset(), (byte) flags);
        b.putDouble(base + layout.logProbOffset(), t.getBehaviourLogProb());
        b.putDouble(base + layout.valueOffset(), t.getValue());
        b.putDouble(base + layout.bootstrapOffset(), bootstrap != null ? bootstrap : 0.0);
        b.putLong(base + layout.timestampOffset(), t.getTimestampMs());
        runSize++;

        if (t.getEpisode() != lastEpisode || !hasLast || !episodeOpen) {
            episodeReturn = 0;
            episodeLength = 0;
        }
        hasLast = true;
        lastEpisode = t.getEpisode();
        lastStep = t.getStep();
        episodeOpen = true;
        episodeReturn += t.getReward();
        episodeLength++;
        episodeVersion = t.getPolicyVersion();
        lastTimestampMs = t.getTimestampMs();
    }

    /** Forgets the open run (after it was emitted or abandoned). */
    void clearRun() {
        runSize = 0;
        pendingCut = false;
    }

    /** Marks the current episode closed (ended or abandoned); later steps of it are out of order. */
    void closeEpisode() {
        episodeOpen = false;
    }

    long episode(int i) {
        return buffer.getLong(i * layout.stride() + layout.episodeOffset());
    }

    int step(int i) {
        return buffer.getInt(i * layout.stride() + layout.stepOffset());
    }

    double observation(int i, int j) {
        return buffer.getDouble(i * layout.stride() + layout.observationOffset() + 8 * j);
    }

    int discreteAction(int i) {
        return buffer.getInt(i * layout.stride() + layout.actionOffset());
    }

    double continuousAction(int i, int j) {
        return buffer.getDouble(i * layout.stride() + layout.actionOffset() + 8 * j);
    }

    double reward(int i) {
        return buffer.getDouble(i * layout.stride() + layout.rewardOffset());
    }

    /** The reward advantages are computed from: the learning reward when the actor sent one, else the reward. */
    double learningReward(int i) {
        return buffer.getDouble(i * layout.stride() + layout.learningRewardOffset());
    }

    private int flags(int i) {
        return buffer.get(i * layout.stride() + layout.flagsOffset());
    }

    boolean terminated(int i) {
        return (flags(i) & StepLayout.TERMINATED) != 0;
    }

    boolean truncated(int i) {
        return (flags(i) & StepLayout.TRUNCATED) != 0;
    }

    boolean hasBootstrap(int i) {
        return (flags(i) & StepLayout.HAS_BOOTSTRAP) != 0;
    }

    boolean lastOfVersion(int i) {
        return (flags(i) & StepLayout.LAST_OF_VERSION) != 0;
    }

    double behaviourLogProb(int i) {
        return buffer.getDouble(i * layout.stride() + layout.logProbOffset());
    }

    double value(int i) {
        return buffer.getDouble(i * layout.stride() + layout.valueOffset());
    }

    double bootstrap(int i) {
        return buffer.getDouble(i * layout.stride() + layout.bootstrapOffset());
    }

    /**
     * V(observation after step i) when it is known: the step's own bootstrap value, else the next held step's value;
     * NaN when i is the last held step and carries none.
     */
    double nextValue(int i) {
        if (hasBootstrap(i)) {
            return bootstrap(i);
        }
        return i + 1 < runSize ? value(i + 1) : Double.NaN;
    }

    // ---- binary form -------------------------------------------------------------------------------------------

    private static final byte FORMAT = 1;
    private static final int HEADER = 1 + 4 + 1 + 4 + 1 + 8 + 4 + 8 + 4 + 8 + 8 + 8 + 8 + 4;

    byte[] encode() {
        int body = runSize * layout.stride();
        byte[] out = new byte[HEADER + body];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.put(FORMAT).putInt(layout.observationSize()).put((byte) (layout.discrete() ? 1 : 0)).putInt(layout.actionSize());
        b.put((byte) ((hasLast ? 1 : 0) | (episodeOpen ? 2 : 0) | (pendingCut ? 4 : 0)));
        b.putLong(lastEpisode).putInt(lastStep).putDouble(episodeReturn).putInt(episodeLength).putLong(episodeVersion)
                .putLong(lastTimestampMs).putLong(lastSeenMs).putLong(runVersion).putInt(runSize);
        System.arraycopy(steps, 0, out, HEADER, body);
        return out;
    }

    /**
     * Reads the binary form back.
     *
     * @throws IllegalStateException when it was written for another environment shape or format
     */
    static ActorState decode(StepLayout layout, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalStateException("actor state has format " + format + ", this version reads " + FORMAT
                    + ": reset the application (kafka-streams-application-reset) or use a new application id");
        }
        StepLayout stored = new StepLayout(b.getInt(), b.get() == 1, b.getInt());
        if (!stored.equals(layout)) {
            throw new IllegalStateException("actor state was written for " + stored + ", the run has " + layout);
        }
        int flags = b.get();
        int bodyStart = HEADER;
        ActorState s = new ActorState(layout, new byte[Math.max(layout.stride() * 8, bytes.length - bodyStart)]);
        s.hasLast = (flags & 1) != 0;
        s.episodeOpen = (flags & 2) != 0;
        s.pendingCut = (flags & 4) != 0;
        s.lastEpisode = b.getLong();
        s.lastStep = b.getInt();
        s.episodeReturn = b.getDouble();
        s.episodeLength = b.getInt();
        s.episodeVersion = b.getLong();
        s.lastTimestampMs = b.getLong();
        s.lastSeenMs = b.getLong();
        s.runVersion = b.getLong();
        s.runSize = b.getInt();
        int body = s.runSize * layout.stride();
        if (bytes.length != bodyStart + body) {
            throw new IllegalStateException("actor state of " + bytes.length + " bytes does not hold " + s.runSize + " steps of " + layout);
        }
        System.arraycopy(bytes, bodyStart, s.steps, 0, body);
        return s;
    }
}
