package dev.trpo.trainer;

import java.util.Objects;

import dev.trpo.policy.ActionSpace;

/**
 * What the trainer needs to know about an environment to create version 0: its id, the raw observation size and the
 * action space. The trainer never imports environments; the caller (the command line) resolves an env id to this.
 *
 * @param envId           environment id, e.g. {@code CartPole-v1}
 * @param observationSize length of the raw observation vector, &gt;= 1
 * @param actionSpace     the action space
 */
public record EnvSpec(String envId, int observationSize, ActionSpace actionSpace) {
    /** Validates every field. */
    public EnvSpec {
        if (envId == null || envId.isBlank()) {
            throw new IllegalArgumentException("env id must not be blank");
        }
        if (observationSize < 1) {
            throw new IllegalArgumentException("observation size of " + envId + " must be >= 1, got " + observationSize);
        }
        Objects.requireNonNull(actionSpace, "actionSpace");
    }
}
