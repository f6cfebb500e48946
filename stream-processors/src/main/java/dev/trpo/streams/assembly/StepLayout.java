package dev.trpo.streams.assembly;

import dev.trpo.schemas.ActionKind;

/**
 * Fixed-width binary layout of one held step in an actor's open run. Every step of a run has the environment's
 * sizes (validation saw to it), so step i starts at {@code i * stride()}: appending a step encodes only that step,
 * and storing the run copies bytes instead of re-encoding every step at every update.
 *
 * <pre>
 * episode long | step int | observation double[obs] | action int (discrete) or double[dim] (box) | reward double |
 * learning reward double (the transition's learningReward, or its reward when absent) |
 * flags byte (1 terminated, 2 truncated, 4 has bootstrap, 8 last of version) | behaviourLogProb double |
 * value double | bootstrapValue double | timestampMs long
 * </pre>
 *
 * @param observationSize observation length
 * @param discrete        true for an action index, false for a continuous vector
 * @param actionSize      number of actions (discrete) or action dimension (box)
 */
record StepLayout(int observationSize, boolean discrete, int actionSize) {
    static final int TERMINATED = 1;
    static final int TRUNCATED = 2;
    static final int HAS_BOOTSTRAP = 4;
    static final int LAST_OF_VERSION = 8;

    static StepLayout of(int observationSize, ActionKind kind, int actionSize) {
        return new StepLayout(observationSize, kind == ActionKind.DISCRETE, actionSize);
    }

    int episodeOffset() {
        return 0;
    }

    int stepOffset() {
        return 8;
    }

    int observationOffset() {
        return 12;
    }

    int actionOffset() {
        return 12 + 8 * observationSize;
    }

    int rewardOffset() {
        return actionOffset() + (discrete ? 4 : 8 * actionSize);
    }

    int learningRewardOffset() {
        return rewardOffset() + 8;
    }

    int flagsOffset() {
        return learningRewardOffset() + 8;
    }

    int logProbOffset() {
        return flagsOffset() + 1;
    }

    int valueOffset() {
        return logProbOffset() + 8;
    }

    int bootstrapOffset() {
        return valueOffset() + 8;
    }

    int timestampOffset() {
        return bootstrapOffset() + 8;
    }

    /** Bytes per step. */
    int stride() {
        return timestampOffset() + 8;
    }
}
