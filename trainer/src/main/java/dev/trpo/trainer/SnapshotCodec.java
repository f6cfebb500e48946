package dev.trpo.trainer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.schemas.TrainingCounters;

/**
 * PolicySnapshot &lt;-&gt; {@link TrainingState}: the networks and normaliser through {@link Snapshots}, the
 * counters and resume state here.
 */
final class SnapshotCodec {
    private SnapshotCodec() {
    }

    static PolicySnapshot encode(String runId, TrainingState s, long createdAtMs) {
        TrainingState.Counters c = s.counters();
        TrainingCounters counters = TrainingCounters.newBuilder().setTotalSteps(c.totalSteps())
                .setTotalEpisodes(c.totalEpisodes()).setUpdates(c.updates()).setRejectedUpdates(c.rejectedUpdates())
                .setStaleSamplesDropped(c.staleSamplesDropped()).build();
        return Snapshots.toSnapshot(s.policy(), new Snapshots.Meta(runId, s.version(),
                s.parentVersion() < 0 ? null : s.parentVersion(), s.envId(), s.criticOptimiser(), s.seed(),
                s.hyperParameters(), counters, createdAtMs), s.rewards(), s.returnCarry(), s.rewardScales());
    }

    static TrainingState decode(PolicySnapshot p) {
        TrainingCounters c = p.getCounters();
        Map<String, String> hp = new LinkedHashMap<>();
        p.getHyperParameters().forEach((k, v) -> hp.put(k.toString(), v.toString()));
        return new TrainingState(p.getVersion(), p.getParentVersion() == null ? -1 : p.getParentVersion(),
                p.getEnvId(), Snapshots.toActorCritic(p), Snapshots.criticOptimiser(p), p.getResume().getSeed(),
                Map.copyOf(hp), new TrainingState.Counters(c.getTotalSteps(), c.getTotalEpisodes(), c.getUpdates(),
                        c.getRejectedUpdates(), c.getStaleSamplesDropped()),
                Snapshots.rewardNormalizer(p), new TreeMap<>(Snapshots.returnCarry(p)),
                Snapshots.rewardScales(p));
    }
}
