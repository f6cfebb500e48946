package dev.trpo.policy;

/**
 * Reusable per-thread scratch space of {@link ActorCritic#act} and {@link ActorCritic#values} for batches of up to
 * {@link #maxBatch()} rows; obtained from {@link ActorCritic#workspace(int)}. Not thread-safe; one per thread.
 */
public final class Workspace {
    final int maxBatch;
    final double[] obs;
    final double[] logp;
    final Mlp.Buffers actor;
    final Mlp.Buffers critic;
    final Mlp actorNet;
    final Mlp criticNet;

    Workspace(ActorCritic ac, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("workspace maxBatch must be >= 1, got " + maxBatch);
        }
        this.maxBatch = maxBatch;
        this.obs = new double[maxBatch * ac.obsDim()];
        this.actorNet = ac.actorNet();
        this.criticNet = ac.criticNet();
        this.logp = new double[actorNet.outputSize()];
        this.actor = actorNet.buffers(maxBatch);
        this.critic = criticNet.buffers(maxBatch);
    }

    /** The largest batch this workspace takes. */
    public int maxBatch() {
        return maxBatch;
    }
}
