package dev.trpo.bench;

import dev.trpo.policy.ActionSpace;
import dev.trpo.policy.Activation;
import dev.trpo.policy.ActorCritic;
import dev.trpo.policy.AdamState;
import dev.trpo.policy.Batch;
import dev.trpo.policy.CriticConfig;
import dev.trpo.policy.KlConvention;
import dev.trpo.policy.PolicyObjective;
import dev.trpo.policy.PolicyStep;
import dev.trpo.policy.TrpoConfig;
import dev.trpo.policy.TrpoUpdater;
import dev.trpo.policy.UpdateStats;
import dev.trpo.policy.Workspace;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The learner's hot path at the Zoo's settings, 64x64 tanh networks, called from one thread (the policy module
 * hands half of each F v and critic minibatch to its spare-core worker): {@code fisherVectorProduct} (one exact
 * F v), {@code policyStep} (gradient, CG, line search) and {@code fullUpdate} (policy step plus critic fit).
 * Problems with the Zoo's shapes and critic settings: {@code cartpole} (obs 4, 2 actions, damping 1e-3, critic 20
 * epochs of 512, batch 1024), {@code pendulum} (obs 3, 1-d Gaussian, 15 epochs of 128, batch 2048), {@code acrobot}
 * (obs 6, 3 actions, 10 epochs of 128, batch 2048), {@code mountaincar} (obs 2, 3 actions, 20 epochs of 128, batch
 * 2048); damping 0.1 except CartPole. sb3-contrib on this kind of machine (../shared/REFERENCE.md), seconds per
 * whole update (policy step / critic): CartPole 0.115 (0.079 / 0.036), Pendulum 0.253 (0.119 / 0.135), Acrobot
 * 0.242 (0.167 / 0.144), MountainCar 0.294 (0.158 / 0.304). Figures: bench/README.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrpoUpdateBenchmark {
    /** Which environment's shapes and critic settings. */
    @Param({"cartpole", "pendulum", "acrobot", "mountaincar"})
    public String problem;

    /** Samples per update; 0 = the Zoo's (1024 for CartPole, 2048 otherwise). */
    @Param({"0"})
    public int batch;

    private ActorCritic ac;
    private double[] actorStart;
    private double[] criticStart;
    private Batch data;
    private TrpoUpdater updater;
    private AdamState adam;
    private PolicyObjective objective;
    private double[] normObs;
    private double[] v;
    private double[] fv;
    private double[] theta;
    private SplittableRandom rng;

    @Setup
    public void setUp() {
        boolean cartpole = problem.equals("cartpole");
        int obsDim;
        ActionSpace space;
        int epochs;
        switch (problem) {
            case "cartpole" -> {
                obsDim = 4;
                space = new ActionSpace.Discrete(2);
                epochs = 20;
            }
            case "pendulum" -> {
                obsDim = 3;
                space = new ActionSpace.Box(new double[] {-2}, new double[] {2});
                epochs = 15;
            }
            case "acrobot" -> {
                obsDim = 6;
                space = new ActionSpace.Discrete(3);
                epochs = 10;
            }
            case "mountaincar" -> {
                obsDim = 2;
                space = new ActionSpace.Discrete(3);
                epochs = 20;
            }
            default -> throw new IllegalArgumentException("problem must be cartpole, pendulum, acrobot or "
                    + "mountaincar, got " + problem);
        }
        if (batch == 0) {
            batch = cartpole ? 1024 : 2048;
        }
        ac = ActorCritic.create(obsDim, space, new int[] {64, 64}, Activation.TANH, 0.0, false, 1);
        actorStart = ac.actorParameters().clone();
        criticStart = ac.criticParameters().clone();
        SplittableRandom r = new SplittableRandom(2);
        double[] obs = new double[batch * obsDim];
        for (int i = 0; i < obs.length; i++) {
            obs[i] = r.nextGaussian();
        }
        double[] actions = new double[batch * ac.actionDim()];
        double[] logp = new double[batch];
        double[] values = new double[batch];
        Workspace ws = ac.workspace(batch);
        ac.act(obs, batch, r, false, actions, logp, values, ws);
        double[] adv = new double[batch];
        double[] targets = new double[batch];
        for (int i = 0; i < batch; i++) {
            adv[i] = r.nextGaussian() + obs[i * obsDim];
            targets[i] = obs[i * obsDim] + r.nextGaussian();
        }
        data = new Batch(batch, obs, actions, logp, adv, targets);
        // Zoo: CartPole cg_damping 1e-3, minibatch 512; the others damping 0.1, minibatch 128
        TrpoConfig trpo = new TrpoConfig(0.01, cartpole ? 1e-3 : 0.1, 15, 1e-10, 0.8, 10, KlConvention.SB3, 1.0,
                true);
        CriticConfig critic = new CriticConfig(1e-3, 1e-5, epochs, cartpole ? 512 : 128);
        updater = new TrpoUpdater(trpo, critic);
        adam = new AdamState(ac.criticParameters().length);
        objective = new PolicyObjective(ac.actorNet(), space, batch);
        normObs = new double[obs.length];
        ac.normalizer().normalize(obs, batch, normObs);
        objective.load(ac.actorParameters(), normObs, actions, logp, adv, batch, 1.0, null);
        v = new double[objective.parameterCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        fv = new double[v.length];
        theta = new double[v.length];
        rng = new SplittableRandom(3);
    }

    /** One exact Fisher-vector product over the batch. */
    @Benchmark
    public double[] fisherVectorProduct() {
        objective.fisherVectorProduct(v, fv);
        return fv;
    }

    /** Gradient, CG (up to 15 F v), step scaling and line search, from the same theta_old each time. */
    @Benchmark
    public PolicyStep policyStep() {
        System.arraycopy(actorStart, 0, theta, 0, theta.length);
        return updater.policyStep(objective, theta);
    }

    /** One whole update (normalise, policy step, critic fit), from the same parameters each time. */
    @Benchmark
    public UpdateStats fullUpdate() {
        System.arraycopy(actorStart, 0, ac.actorParameters(), 0, actorStart.length);
        System.arraycopy(criticStart, 0, ac.criticParameters(), 0, criticStart.length);
        return updater.update(ac, data, adam, rng);
    }
}
