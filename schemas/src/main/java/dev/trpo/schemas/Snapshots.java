package dev.trpo.schemas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.AdamState;
import dev.trpo.policy.Mlp;
import dev.trpo.policy.ObservationNormalizer;
import dev.trpo.policy.RewardNormalizer;

/**
 * Converts between the wire record {@link PolicySnapshot} and the policy module's {@link ActorCritic}
 * (and the critic's {@link AdamState}). The flat parameter layout of {@link Mlp} (W1 row-major, b1, W2,
 * b2, ...; log-std last) maps one to one onto the snapshot's layers.
 */
public final class Snapshots {
    private Snapshots() {
    }

    /** What a snapshot carries besides the networks. */
    public record Meta(String runId, long version, Long parentVersion, String envId, AdamState criticOptimiser,
                       long seed, Map<String, String> hyperParameters, TrainingCounters counters, long createdAtMs) {
    }

    /** Builds the wire record of a policy that does not normalise rewards. */
    public static PolicySnapshot toSnapshot(ActorCritic ac, Meta meta) {
        return toSnapshot(ac, meta, RewardNormalizer.disabled(), Map.of());
    }

    /**
     * Builds the wire record of a policy, its reward normaliser and the per-actor discounted returns the
     * normaliser carries into the next batch.
     */
    public static PolicySnapshot toSnapshot(ActorCritic ac, Meta meta, RewardNormalizer rewards,
                                            Map<String, Double> returnCarry) {
        return toSnapshot(ac, meta, rewards, returnCarry, Map.of());
    }

    /**
     * Builds the wire record of a policy, its reward normaliser, the per-actor discounted returns the normaliser
     * carries into the next batch, and (async mode) the reward scales of the versions whose samples the trainer may
     * still take, by version.
     */
    public static PolicySnapshot toSnapshot(ActorCritic ac, Meta meta, RewardNormalizer rewards,
                                            Map<String, Double> returnCarry, Map<Long, Double> rewardScales) {
        Map<String, Double> scales = new TreeMap<>();
        rewardScales.forEach((version, scale) -> scales.put(Long.toString(version), scale));
        double[] actor = ac.actorParameters();
        List<Layer> actorLayers = layers(ac.actorNet(), actor);
        List<Double> logStd = List.of();
        if (ac.actionSpace() instanceof ActionSpace.Box) {
            int start = ac.actorNet().parameterCount();
            logStd = boxed(actor, start, actor.length - start);
        }
        ObservationNormalizer n = ac.normalizer();
        NormalizerStats stats = NormalizerStats.newBuilder().setEnabled(n.enabled())
                .setMean(boxed(n.mean())).setVariance(boxed(n.var())).setCount(n.count())
                .setEpsilon(ObservationNormalizer.VARIANCE_EPSILON)
                .setClip(wireClip(n.clip())).build();
        AdamState adam = meta.criticOptimiser() == null ? new AdamState(ac.criticParameters().length) : meta.criticOptimiser();
        return PolicySnapshot.newBuilder()
                .setRunId(meta.runId()).setVersion(meta.version()).setParentVersion(meta.parentVersion())
                .setEnvId(meta.envId()).setObservationSize(ac.obsDim())
                .setActionSpace(actionSpec(ac.actionSpace()))
                .setNormalizer(stats)
                .setRewardNormalizer(RewardNormalizerStats.newBuilder().setEnabled(rewards.enabled())
                        .setGamma(rewards.gamma()).setMean(rewards.mean()).setVariance(rewards.var())
                        .setCount(rewards.count()).setEpsilon(ObservationNormalizer.VARIANCE_EPSILON)
                        .setClip(wireClip(rewards.clip())).build())
                .setActorLayers(actorLayers).setLogStd(logStd)
                .setCriticLayers(layers(ac.criticNet(), ac.criticParameters()))
                .setResume(ResumeState.newBuilder().setCriticAdamM(boxed(adam.m())).setCriticAdamV(boxed(adam.v()))
                        .setCriticAdamStep(adam.step()).setSeed(meta.seed())
                        .setReturnCarry(new TreeMap<>(returnCarry)).setRewardScales(scales).build())
                .setHyperParameters(Map.copyOf(meta.hyperParameters()))
                .setCounters(meta.counters() == null ? emptyCounters() : meta.counters())
                .setCreatedAtMs(meta.createdAtMs())
                .build();
    }

    /** A clip bound as the wire writes it: 0 for none (the policy module also takes a negative or infinite one). */
    private static double wireClip(double clip) {
        return clip > 0 && Double.isFinite(clip) ? clip : 0.0;
    }

    /** Counters of a run that has not trained yet. */
    public static TrainingCounters emptyCounters() {
        return TrainingCounters.newBuilder().setTotalSteps(0).setTotalEpisodes(0).setUpdates(0)
                .setRejectedUpdates(0).setStaleSamplesDropped(0).build();
    }

    /**
     * The policy a snapshot describes.
     *
     * @throws IllegalArgumentException when the layers do not chain or do not fit the declared sizes
     */
    public static ActorCritic toActorCritic(PolicySnapshot s) {
        ActionSpace space = actionSpace(s.getActionSpace());
        List<Layer> actor = s.getActorLayers();
        List<Layer> critic = s.getCriticLayers();
        if (actor.isEmpty() || critic.isEmpty()) {
            throw new IllegalArgumentException("snapshot v" + s.getVersion() + " has no actor or critic layers");
        }
        Activation act = actor.size() > 1 ? Activation.fromWire(actor.get(0).getActivation()) : Activation.TANH;
        double[] actorParams = flatten(actor, s.getObservationSize(), "actor");
        if (space instanceof ActionSpace.Box) {
            if (s.getLogStd().size() != space.actionDim()) {
                throw new IllegalArgumentException("snapshot v" + s.getVersion() + ": logStd has " + s.getLogStd().size()
                        + " values, the action space " + space.actionDim());
            }
            double[] withStd = Arrays.copyOf(actorParams, actorParams.length + space.actionDim());
            for (int j = 0; j < space.actionDim(); j++) {
                withStd[actorParams.length + j] = s.getLogStd().get(j);
            }
            actorParams = withStd;
        }
        double[] criticParams = flatten(critic, s.getObservationSize(), "critic");
        NormalizerStats ns = s.getNormalizer();
        ObservationNormalizer normalizer = ns.getEnabled()
                ? ObservationNormalizer.of(unboxed(ns.getMean()), unboxed(ns.getVariance()), ns.getCount(),
                        ns.getClip() > 0 ? ns.getClip() : 0.0)
                : ObservationNormalizer.disabled(s.getObservationSize());
        return ActorCritic.fromParts(s.getObservationSize(), space, hidden(actor), hidden(critic), act,
                actorParams, criticParams, normalizer);
    }

    /** The reward normaliser a snapshot carries (disabled for snapshots written before it existed). */
    public static RewardNormalizer rewardNormalizer(PolicySnapshot s) {
        RewardNormalizerStats r = s.getRewardNormalizer();
        if (r == null || !r.getEnabled()) {
            return RewardNormalizer.disabled();
        }
        return RewardNormalizer.of(r.getGamma(), r.getClip(), r.getMean(), r.getVariance(), r.getCount());
    }

    /** Per actor id, the discounted return the reward normaliser carries past the snapshot's last batch. */
    public static Map<String, Double> returnCarry(PolicySnapshot s) {
        Map<String, Double> out = new TreeMap<>();
        s.getResume().getReturnCarry().forEach((k, v) -> out.put(k.toString(), v));
        return out;
    }

    /**
     * By version, the reward scales a snapshot keeps for async mode (empty in sync mode, without reward normalisation
     * and in snapshots written before they existed).
     *
     * @throws IllegalArgumentException when a key is not a version number
     */
    public static TreeMap<Long, Double> rewardScales(PolicySnapshot s) {
        TreeMap<Long, Double> out = new TreeMap<>();
        s.getResume().getRewardScales().forEach((k, v) -> {
            try {
                out.put(Long.parseLong(k.toString()), v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("snapshot v" + s.getVersion() + ": rewardScales key '" + k
                        + "' is not a version number");
            }
        });
        return out;
    }

    /** The critic's Adam state saved in a snapshot. */
    public static AdamState criticOptimiser(PolicySnapshot s) {
        ResumeState r = s.getResume();
        return AdamState.of(unboxed(r.getCriticAdamM()), unboxed(r.getCriticAdamV()), r.getCriticAdamStep());
    }

    /** The policy module's action space of a wire spec. */
    public static ActionSpace actionSpace(ActionSpaceSpec spec) {
        if (spec.getKind() == ActionKind.DISCRETE) {
            return new ActionSpace.Discrete(spec.getN());
        }
        return new ActionSpace.Box(unboxed(spec.getLow()), unboxed(spec.getHigh()));
    }

    /** The wire spec of an action space. */
    public static ActionSpaceSpec actionSpec(ActionSpace space) {
        if (space instanceof ActionSpace.Discrete d) {
            return ActionSpaceSpec.newBuilder().setKind(ActionKind.DISCRETE).setN(d.n()).setLow(List.of()).setHigh(List.of()).build();
        }
        ActionSpace.Box b = (ActionSpace.Box) space;
        return ActionSpaceSpec.newBuilder().setKind(ActionKind.BOX).setN(b.actionDim())
                .setLow(boxed(b.low())).setHigh(boxed(b.high())).build();
    }

    private static List<Layer> layers(Mlp net, double[] params) {
        int[] sizes = net.layerSizes();
        List<Layer> out = new ArrayList<>(sizes.length - 1);
        int offset = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            int in = sizes[l];
            int o = sizes[l + 1];
            List<Double> w = boxed(params, offset, in * o);
            offset += in * o;
            List<Double> b = boxed(params, offset, o);
            offset += o;
            String activation = l + 2 < sizes.length ? net.activation().wireName() : Activation.IDENTITY.wireName();
            out.add(Layer.newBuilder().setInputSize(in).setOutputSize(o).setWeights(w).setBias(b).setActivation(activation).build());
        }
        return out;
    }

    private static double[] flatten(List<Layer> layers, int obsSize, String what) {
        int total = 0;
        int expectedIn = obsSize;
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            if (layer.getInputSize() != expectedIn) {
                throw new IllegalArgumentException(what + " layer " + l + " takes " + layer.getInputSize()
                        + " inputs, the previous layer gives " + expectedIn);
            }
            if (layer.getWeights().size() != layer.getInputSize() * layer.getOutputSize()
                    || layer.getBias().size() != layer.getOutputSize()) {
                throw new IllegalArgumentException(what + " layer " + l + ": expected " + layer.getInputSize() * layer.getOutputSize()
                        + " weights and " + layer.getOutputSize() + " biases, got " + layer.getWeights().size() + " and "
                        + layer.getBias().size());
            }
            total += layer.getWeights().size() + layer.getBias().size();
            expectedIn = layer.getOutputSize();
        }
        double[] flat = new double[total];
        int k = 0;
        for (Layer layer : layers) {
            for (Double d : layer.getWeights()) {
                flat[k++] = d;
            }
            for (Double d : layer.getBias()) {
                flat[k++] = d;
            }
        }
        return flat;
    }

    private static int[] hidden(List<Layer> layers) {
        int[] h = new int[layers.size() - 1];
        for (int l = 0; l < h.length; l++) {
            h[l] = layers.get(l).getOutputSize();
        }
        return h;
    }

    static List<Double> boxed(double[] a) {
        return boxed(a, 0, a.length);
    }

    static List<Double> boxed(double[] a, int from, int length) {
        List<Double> out = new ArrayList<>(length);
        for (int i = from; i < from + length; i++) {
            out.add(a[i]);
        }
        return out;
    }

    /** A list of doubles as an array. */
    public static double[] unboxed(List<Double> list) {
        double[] a = new double[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }
}
