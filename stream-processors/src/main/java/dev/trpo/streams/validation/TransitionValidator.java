package dev.trpo.streams.validation;

import java.util.List;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import dev.trpo.schemas.ActionKind;
import dev.trpo.schemas.Transition;
import dev.trpo.streams.StreamsSettings;

/**
 * The stateless checks of a transition: it belongs to this run and environment, is keyed by its actor, has the
 * environment's observation and action sizes, every number is finite, and a truncated or last-of-version step
 * carries its bootstrap value. A failing transition throws {@link InvalidTransitionException} (and is
 * dead-lettered by the processing exception handler); a passing one is forwarded unchanged. Whether the step
 * follows the actor's previous one needs the actor's state: the segment assembler checks that.
 */
public final class TransitionValidator implements Processor<String, Transition, String, Transition> {
    private final StreamsSettings settings;
    private ProcessorContext<String, Transition> context;

    public TransitionValidator(StreamsSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Transition> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Transition> record) {
        check(settings, record.key(), record.value());
        context.forward(record);
    }

    /**
     * Checks one transition against the run's settings.
     *
     * @throws InvalidTransitionException naming the reason and what was expected
     */
    public static void check(StreamsSettings settings, String key, Transition t) {
        if (t == null) {
            throw new InvalidTransitionException(DlqReason.UNDECODABLE, "empty value (a tombstone) where a Transition was expected");
        }
        if (!settings.runId().equals(t.getRunId())) {
            throw new InvalidTransitionException(DlqReason.INVALID, "run id '" + t.getRunId() + "' is not this run's '" + settings.runId() + "'");
        }
        if (!settings.envId().equals(t.getEnvId())) {
            throw new InvalidTransitionException(DlqReason.INVALID, "env id '" + t.getEnvId() + "' is not the run's '" + settings.envId() + "'");
        }
        if (key == null || !key.equals(t.getActorId())) {
            throw new InvalidTransitionException(DlqReason.INVALID, "record key '" + key + "' is not the actor id '" + t.getActorId()
                    + "' (steps of one actor must share a partition)");
        }
        if (t.getEpisode() < 0 || t.getStep() < 0) {
            throw new InvalidTransitionException(DlqReason.INVALID, "negative episode " + t.getEpisode() + " or step " + t.getStep());
        }
        List<Double> obs = t.getObservation();
        if (obs.size() != settings.observationSize()) {
            throw new InvalidTransitionException(DlqReason.WRONG_SIZE, "observation has " + obs.size() + " values, the environment "
                    + settings.envId() + " has " + settings.observationSize());
        }
        if (settings.actionKind() == ActionKind.DISCRETE) {
            if (t.getDiscreteAction() == null || t.getContinuousAction() != null) {
                throw new InvalidTransitionException(DlqReason.WRONG_SIZE, "expected a discrete action index of " + settings.actionSize()
                        + " actions, got " + (t.getContinuousAction() != null ? "a continuous action of " + t.getContinuousAction().size() : "none"));
            }
        } else {
            List<Double> action = t.getContinuousAction();
            if (action == null || t.getDiscreteAction() != null || action.size() != settings.actionSize()) {
                throw new InvalidTransitionException(DlqReason.WRONG_SIZE, "expected a continuous action of " + settings.actionSize()
                        + " values, got " + (action != null ? action.size() + " values" : "a discrete action"));
            }
        }
        requireFinite(obs, "observation");
        if (t.getContinuousAction() != null) {
            requireFinite(t.getContinuousAction(), "action");
        }
        requireFinite(t.getReward(), "reward");
        if (t.getLearningReward() != null) {
            requireFinite(t.getLearningReward(), "learningReward");
        }
        requireFinite(t.getBehaviourLogProb(), "behaviourLogProb");
        requireFinite(t.getValue(), "value");
        if (t.getBootstrapValue() != null) {
            requireFinite(t.getBootstrapValue(), "bootstrapValue");
        }
        if (settings.actionKind() == ActionKind.DISCRETE) {
            int a = t.getDiscreteAction();
            if (a < 0 || a >= settings.actionSize()) {
                throw new InvalidTransitionException(DlqReason.INVALID, "action index " + a + " is outside [0, " + settings.actionSize() + ")");
            }
        }
        if (t.getBootstrapValue() == null && !t.getTerminated() && (t.getTruncated() || t.getLastOfVersion())) {
            throw new InvalidTransitionException(DlqReason.INVALID, (t.getTruncated() ? "truncated" : "last-of-version")
                    + " step carries no bootstrapValue V(next observation)");
        }
    }

    private static void requireFinite(List<Double> values, String field) {
        for (int i = 0, n = values.size(); i < n; i++) {
            double v = values.get(i);
            if (!Double.isFinite(v)) {
                throw new InvalidTransitionException(DlqReason.NON_FINITE, field + "[" + i + "] is " + v);
            }
        }
    }

    private static void requireFinite(double v, String field) {
        if (!Double.isFinite(v)) {
            throw new InvalidTransitionException(DlqReason.NON_FINITE, field + " is " + v);
        }
    }
}
