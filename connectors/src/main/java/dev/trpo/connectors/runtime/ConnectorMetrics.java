package dev.trpo.connectors.runtime;

/**
 * Names of the connector's Micrometer meters (dotted; Prometheus shows {@code trpo_connector_transitions_total}
 * and so on). Every meter is tagged {@code run} and {@code env}.
 */
public final class ConnectorMetrics {

    /** Counter: transitions committed to the transitions topic (in the connector's transactions). */
    public static final String TRANSITIONS = "trpo.connector.transitions";
    /** Counter: episodes finished (terminated or truncated). */
    public static final String EPISODES = "trpo.connector.episodes";
    /**
     * Counter: finished episodes whose environment said whether the task was achieved (a process environment's
     * {@code "success"}, Gymnasium's {@code info["is_success"]}), tagged {@code outcome} = success or failure.
     */
    public static final String EPISODE_OUTCOMES = "trpo.connector.episode.outcomes";
    /** Distribution summary: the return of each finished episode. */
    public static final String EPISODE_RETURN = "trpo.connector.episode.return";
    /** Distribution summary: versions between the newest one received and the one acted with, per step batch. */
    public static final String POLICY_LAG = "trpo.connector.policy.lag";
    /** Gauge: the policy version the actors act with (-1 before the first). */
    public static final String POLICY_VERSION = "trpo.connector.policy.version";
    /** Counter: policy records that could not be used, tagged {@code reason} (decode, mismatch). */
    public static final String POLICY_REJECTED = "trpo.connector.policy.rejected";
    /**
     * Counter: policy records refused because their signature did not pass the connector's public key
     * ({@code --policy-public-key}), tagged {@code reason} = unsigned (with {@code --require-signed-policies}),
     * bad-signature (tampered or forged) or unknown-key (signed with a key not configured). The actors go on with the
     * last good version. Unlike {@link #POLICY_REJECTED} (records that cannot be used), a refusal means someone with
     * write access to the topic wrote a snapshot the trainer did not sign.
     */
    public static final String POLICIES_REFUSED = "trpo.connector.policies.refused";
    /** Timer: time actors spent waiting for a policy version (sync mode, and for version 0). */
    public static final String POLICY_WAIT = "trpo.connector.policy.wait";
    /** Counter: transactions that failed (the broker away); their steps are taken again from the checkpoints. */
    public static final String SEND_ERRORS = "trpo.connector.send.errors";
    /** Counter: commits found missing while the actors waited (aborted or hanging); their steps are taken again. */
    public static final String COMMITS_NOT_VISIBLE = "trpo.connector.commits.not.visible";
    /**
     * Counter: actors that resumed from a checkpoint when the connector (re)started, tagged {@code how} = exact
     * (environment state and generators restored: the steps continue as if nothing happened) or new-episode (the
     * environment's state lives elsewhere: the actor starts a new episode).
     */
    public static final String RESUMED = "trpo.connector.resumed";
    /**
     * Function counter, seconds: the connector's wall time in its environments' step and reset calls. Environments
     * that compute elsewhere (child processes, robots) step at the same time, so N of them working together count
     * once. Its rate is the share of the connector's time the environments take: near 1, the simulators are what
     * limits the connector (for process environments, more actors help); near 0, the policy and Kafka are.
     */
    public static final String ENV_SECONDS = "trpo.connector.env.seconds";

    private ConnectorMetrics() {
    }
}
