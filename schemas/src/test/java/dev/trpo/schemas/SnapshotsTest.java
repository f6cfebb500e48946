package dev.trpo.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.AdamState;
import dev.trpo.policy.RewardNormalizer;
import dev.trpo.policy.Workspace;

class SnapshotsTest {
    /** The README formula is evaluated in a different order of operations than the kernels. */
    private static final double FORMULA_TOLERANCE = 1e-12;

    private static ActorCritic trained(ActionSpace space, long seed) {
        ActorCritic ac = ActorCritic.create(3, space, new int[] {5, 4}, Activation.TANH, -0.3, true, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        double[] obs = new double[3 * 50];
        for (int i = 0; i < obs.length; i++) {
            obs[i] = rng.nextGaussian() * 3 + 1;
        }
        ac.normalizer().update(obs, 50);
        double[] a = ac.actorParameters();
        for (int i = 0; i < a.length; i++) {
            a[i] += rng.nextGaussian() * 0.3;
        }
        return ac;
    }

    private static Snapshots.Meta meta(ActorCritic ac) {
        AdamState adam = new AdamState(ac.criticParameters().length);
        adam.m()[0] = 0.5;
        return new Snapshots.Meta("run", 3, 2L, "Env-v0", adam, 42, Map.of("k", "v"), Snapshots.emptyCounters(), 1L);
    }

    @Test
    void aPolicySurvivesTheWireExactly() {
        for (ActionSpace space : List.of(new ActionSpace.Discrete(3), new ActionSpace.Box(new double[] {-1, -2}, new double[] {1, 2}))) {
            ActorCritic ac = trained(space, 7);
            PolicySnapshot snapshot = Snapshots.toSnapshot(ac, meta(ac));
            AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
            PolicySnapshot read = serde.decode(serde.encode(snapshot));
            ActorCritic back = Snapshots.toActorCritic(read);
            assertArrayEquals(ac.actorParameters(), back.actorParameters());
            assertArrayEquals(ac.criticParameters(), back.criticParameters());
            assertArrayEquals(ac.normalizer().mean(), back.normalizer().mean());
            assertArrayEquals(ac.normalizer().var(), back.normalizer().var());
            assertEquals(ac.normalizer().count(), back.normalizer().count());
            assertEquals(space, back.actionSpace());
            assertEquals(0.5, Snapshots.criticOptimiser(read).m()[0]);
        }
    }

    @Test
    void aRewardNormaliserAndTheReturnsItCarriesSurviveTheWire() {
        ActorCritic ac = trained(new ActionSpace.Discrete(2), 3);
        RewardNormalizer rn = RewardNormalizer.create(0.97, 10);
        double carry = rn.update(0, new double[] {-1, -1, 2, -1}, new boolean[] {false, true, false, false}, 0, 4,
                new double[4]);
        Map<String, Double> carried = Map.of("actor-1", carry, "actor-0", -0.25);
        AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
        PolicySnapshot read = serde.decode(serde.encode(Snapshots.toSnapshot(ac, meta(ac), rn, carried)));
        RewardNormalizer back = Snapshots.rewardNormalizer(read);
        assertEquals(true, back.enabled());
        assertEquals(rn.gamma(), back.gamma());
        assertEquals(rn.clip(), back.clip());
        assertEquals(rn.mean(), back.mean());
        assertEquals(rn.var(), back.var());
        assertEquals(rn.count(), back.count());
        assertEquals(rn.scale(), back.scale());
        assertEquals(carried, Snapshots.returnCarry(read));
        // without a normaliser, the snapshot says so and carries nothing
        PolicySnapshot plain = serde.decode(serde.encode(Snapshots.toSnapshot(ac, meta(ac))));
        assertEquals(false, Snapshots.rewardNormalizer(plain).enabled());
        assertEquals(Map.of(), Snapshots.returnCarry(plain));
    }

    @Test
    void theDocumentedFormulaGivesTheSameActionAndValueAsThePolicy() {
        for (ActionSpace space : List.of(new ActionSpace.Discrete(3), new ActionSpace.Box(new double[] {-1, -2}, new double[] {1, 2}))) {
            ActorCritic ac = trained(space, 11);
            PolicySnapshot s = Snapshots.toSnapshot(ac, meta(ac));
            double[] x = {0.3, -2.5, 4.0};
            Workspace ws = ac.workspace(1);
            double[] action = new double[ac.actionDim()];
            double[] logp = new double[1];
            double[] value = new double[1];
            ac.act(x, 1, new SplittableRandom(1), true, action, logp, value, ws);

            double[] z = normalise(s.getNormalizer(), x);
            double[] y = forward(s.getActorLayers(), z);
            if (space instanceof ActionSpace.Discrete) {
                int best = 0;
                for (int i = 1; i < y.length; i++) {
                    if (y[i] > y[best]) {
                        best = i;
                    }
                }
                assertEquals(best, (int) action[0]);
                double max = Math.max(y[0], Math.max(y[1], y[2]));
                double lse = max + Math.log(Math.exp(y[0] - max) + Math.exp(y[1] - max) + Math.exp(y[2] - max));
                assertEquals(y[best] - lse, logp[0], FORMULA_TOLERANCE);
            } else {
                assertArrayEquals(y, action, FORMULA_TOLERANCE);
                double expected = 0;
                for (int j = 0; j < y.length; j++) {
                    double logStd = Math.max(-20, Math.min(2, s.getLogStd().get(j)));
                    expected += -logStd - 0.5 * Math.log(2 * Math.PI);
                }
                assertEquals(expected, logp[0], FORMULA_TOLERANCE);
            }
            assertEquals(forward(s.getCriticLayers(), z)[0], value[0], FORMULA_TOLERANCE);
        }
    }

    @Test
    void layersThatDoNotChainAreRefusedWithBothSizes() {
        ActorCritic ac = trained(new ActionSpace.Discrete(2), 3);
        PolicySnapshot s = Snapshots.toSnapshot(ac, meta(ac));
        s.setObservationSize(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Snapshots.toActorCritic(s));
        assertEquals("actor layer 0 takes 3 inputs, the previous layer gives 4", e.getMessage());
    }

    private static double[] normalise(NormalizerStats n, double[] x) {
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = (x[i] - n.getMean().get(i)) / Math.sqrt(n.getVariance().get(i) + n.getEpsilon());
            z[i] = n.getClip() > 0 ? Math.max(-n.getClip(), Math.min(n.getClip(), v)) : v;
        }
        return z;
    }

    private static double[] forward(List<Layer> layers, double[] input) {
        double[] h = input;
        for (Layer layer : layers) {
            double[] y = new double[layer.getOutputSize()];
            for (int o = 0; o < y.length; o++) {
                double sum = layer.getBias().get(o);
                for (int i = 0; i < layer.getInputSize(); i++) {
                    sum += layer.getWeights().get(o * layer.getInputSize() + i) * h[i];
                }
                y[o] = switch (layer.getActivation()) {
                    case "tanh" -> Math.tanh(sum);
                    case "relu" -> Math.max(0, sum);
                    default -> sum;
                };
            }
            h = y;
        }
        return h;
    }
}
