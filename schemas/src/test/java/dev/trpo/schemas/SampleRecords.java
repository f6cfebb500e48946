package dev.trpo.schemas;

import java.util.List;
import java.util.Map;

/** Small valid records of every type, for tests (also in this module's test-jar). */
public final class SampleRecords {
    private SampleRecords() {
    }

    public static Transition transition(String actor, long episode, int step) {
        return Transition.newBuilder().setRunId("r1").setEnvId("CartPole-v1").setActorId(actor)
                .setEpisode(episode).setStep(step).setObservation(List.of(0.01, -0.02, 0.03, 0.04))
                .setDiscreteAction(1).setContinuousAction(null).setReward(1.0).setTerminated(false)
                .setTruncated(false).setBehaviourLogProb(-0.69).setValue(1.5).setBootstrapValue(null)
                .setLastOfVersion(false).setPolicyVersion(3).setTimestampMs(1_700_000_000_000L).build();
    }

    public static Segment segment() {
        SegmentStep step = SegmentStep.newBuilder().setEpisode(0).setStep(0).setObservation(List.of(0.1, 0.2, 0.3))
                .setDiscreteAction(null).setContinuousAction(List.of(0.5)).setReward(-1.25).setTerminated(false)
                .setTruncated(true).setBehaviourLogProb(-1.1).setValue(-3.0).setAdvantage(0.25).setValueTarget(-2.75).build();
        return Segment.newBuilder().setRunId("r1").setEnvId("Pendulum-v1").setActorId("a-0").setPolicyVersion(7)
                .setEnd(SegmentEnd.EPISODE_END).setGamma(0.99).setLambda(0.95).setSteps(List.of(step, step)).build();
    }

    public static EpisodeSummary episode() {
        return EpisodeSummary.newBuilder().setRunId("r1").setEnvId("CartPole-v1").setActorId("a-1").setEpisode(12)
                .setEpisodeReturn(87.0).setLength(87).setEnding(EpisodeEnding.TERMINATED).setPolicyVersion(4)
                .setTimestampMs(1_700_000_000_000L).build();
    }

    public static PolicySnapshot snapshot(long version) {
        Layer hidden = Layer.newBuilder().setInputSize(2).setOutputSize(2).setWeights(List.of(1.0, 2.0, 3.0, 4.0))
                .setBias(List.of(0.1, 0.2)).setActivation("tanh").build();
        Layer head = Layer.newBuilder().setInputSize(2).setOutputSize(1).setWeights(List.of(0.5, -0.5))
                .setBias(List.of(0.0)).setActivation("identity").build();
        return PolicySnapshot.newBuilder().setRunId("r1").setVersion(version).setParentVersion(version == 0 ? null : version - 1)
                .setEnvId("Pendulum-v1").setObservationSize(2)
                .setActionSpace(ActionSpaceSpec.newBuilder().setKind(ActionKind.BOX).setN(1).setLow(List.of(-2.0)).setHigh(List.of(2.0)).build())
                .setNormalizer(NormalizerStats.newBuilder().setEnabled(true).setMean(List.of(0.0, 1.0)).setVariance(List.of(1.0, 4.0))
                        .setCount(10.0).setEpsilon(1e-8).setClip(10.0).build())
                .setActorLayers(List.of(hidden, head)).setLogStd(List.of(-0.5)).setCriticLayers(List.of(hidden, head))
                .setResume(ResumeState.newBuilder().setCriticAdamM(List.of(0.0)).setCriticAdamV(List.of(0.0))
                        .setCriticAdamStep(0).setSeed(42).build())
                .setHyperParameters(Map.of("trpo.trainer.max-kl", "0.01"))
                .setCounters(TrainingCounters.newBuilder().setTotalSteps(2048).setTotalEpisodes(9).setUpdates(version)
                        .setRejectedUpdates(0).setStaleSamplesDropped(0).build())
                .setCreatedAtMs(1_700_000_000_000L).build();
    }
}
