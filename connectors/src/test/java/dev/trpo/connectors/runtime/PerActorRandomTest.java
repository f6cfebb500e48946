package dev.trpo.connectors.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.Workspace;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PerActorRandomTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aBatchedActDrawsEachRowFromItsActorsGeneratorAsAnUnbatchedActWould(boolean discrete) {
        int n = 5;
        int obsDim = 3;
        ActionSpace space = discrete ? new ActionSpace.Discrete(3)
                : new ActionSpace.Box(new double[] {-1, -1}, new double[] {1, 1});
        ActorCritic ac = ActorCritic.create(obsDim, space, new int[] {8}, Activation.TANH, 0.0, false, 11L);
        int d = space.actionDim();
        double[] obs = new SplittableRandom(1).doubles(n * obsDim, -1, 1).toArray();
        RandomGenerator[] batchedRngs = new RandomGenerator[n];
        for (int i = 0; i < n; i++) {
            batchedRngs[i] = new SplittableRandom(100 + i);
        }
        PerActorRandom sampler = new PerActorRandom(batchedRngs, d);
        double[] actions = new double[n * d];
        double[] logp = new double[n];
        double[] values = new double[n];

        for (int round = 0; round < 3; round++) {
            sampler.rewind();
            ac.act(obs, n, sampler, false, actions, logp, values, ac.workspace(n));
        }

        Workspace one = ac.workspace(1);
        for (int i = 0; i < n; i++) {
            RandomGenerator own = new SplittableRandom(100 + i);
            double[] row = java.util.Arrays.copyOfRange(obs, i * obsDim, (i + 1) * obsDim);
            double[] a = new double[d];
            double[] lp = new double[1];
            double[] v = new double[1];
            for (int round = 0; round < 3; round++) {
                ac.act(row, 1, own, false, a, lp, v, one);
            }
            assertArrayEquals(a, java.util.Arrays.copyOfRange(actions, i * d, (i + 1) * d), 0.0);
        }
    }
}
