package dev.trpo.schemas;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12.2 refuses to instantiate generated classes from packages it does not trust. This trusts
 * ours in code, so no user has to pass {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}.
 */
final class TrustedPackages {
    private static volatile boolean installed;

    private TrustedPackages() {
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        ClassSecurityValidator.ClassSecurityPredicate ours = ClassSecurityValidator.builder()
                .add(Transition.class).add(Segment.class).add(SegmentStep.class).add(SegmentEnd.class)
                .add(EpisodeSummary.class).add(EpisodeEnding.class).add(PolicySnapshot.class)
                .add(ActionSpaceSpec.class).add(ActionKind.class).add(NormalizerStats.class).add(RewardNormalizerStats.class).add(Layer.class)
                .add(ResumeState.class).add(TrainingCounters.class).add(ActorCheckpoint.class)
                .build();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
        installed = true;
    }
}
