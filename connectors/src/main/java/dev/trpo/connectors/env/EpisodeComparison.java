package dev.trpo.connectors.env;

/**
 * How one replayed episode compares with its expected trace.
 *
 * @param envId          the environment id
 * @param episode        the episode number
 * @param expectedSteps  the steps in the expected trace
 * @param actualSteps    the steps the replay took
 * @param maxStateError  the largest absolute error of {@code next_state} over all steps
 * @param maxRewardError the largest absolute error of the reward
 * @param maxObsError    the largest observation error relative to {@code max(1, |expected|)}, including the
 *                       initial observation
 * @param flagMismatches the steps whose terminated or truncated flag differs
 * @param firstFailure   the first failing step, -1 when none (the step count when only the lengths differ)
 */
public record EpisodeComparison(String envId, int episode, int expectedSteps, int actualSteps, double maxStateError,
                                double maxRewardError, double maxObsError, int flagMismatches, int firstFailure) {

    /** @return true when every quantity is within its tolerance and the lengths and flags agree */
    public boolean passed() {
        return firstFailure < 0;
    }

    /** @return one line for a person: the verdict and the largest errors */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%s env=%s episode=%d steps=%d/%d max_state_err=%.3e max_reward_err=%.3e max_obs_err=%.3e flag_mismatches=%d%s",
                passed() ? "PASS" : "FAIL", envId, episode, actualSteps, expectedSteps, maxStateError, maxRewardError,
                maxObsError, flagMismatches, passed() ? "" : " first_failure_step=" + firstFailure);
    }
}
