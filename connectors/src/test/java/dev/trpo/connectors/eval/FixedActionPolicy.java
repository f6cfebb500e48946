package dev.trpo.connectors.eval;

import java.util.Arrays;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.ObservationNormalizer;

/** For the test environments with one observation and two actions (reaches.py, goal.py): a policy that always picks one. */
public final class FixedActionPolicy {
    private FixedActionPolicy() {
    }

    /**
     * No hidden layer and zero weights: the biases alone decide. {@code bias} on {@code action}'s logit makes it the
     * deterministic action, and (when large, e.g. 30) every sampled one too.
     */
    public static ActorCritic always(int action, double bias) {
        ActionSpace space = new ActionSpace.Discrete(2);
        ActorCritic base = ActorCritic.create(1, space, new int[] {}, Activation.TANH, 0.0, false, 1L);
        double[] p = base.actorParameters().clone(); // W [2 x 1], then b [2]
        Arrays.fill(p, 0);
        p[2 + action] = bias;
        return ActorCritic.fromParts(1, space, new int[] {}, new int[] {}, Activation.TANH, p, base.criticParameters(),
                ObservationNormalizer.disabled(1));
    }
}
