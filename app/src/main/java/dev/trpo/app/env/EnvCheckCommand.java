package dev.trpo.app.env;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import dev.trpo.app.cli.UsageException;
import dev.trpo.connectors.env.Environment;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.StepResult;
import dev.trpo.connectors.env.TraceReplayer;
import dev.trpo.policy.ActionSpace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trpo env check}: plays random episodes on an environment (built-in, plug-in or {@code process:}) before a
 * run depends on it, and checks what the pipeline relies on: finite observations and rewards, the same episode from
 * the same seed, and episodes that end by the time limit. Prints the spec, one row per episode and the step rate.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Play random episodes on an environment and check what training relies on:",
            "finite observations and rewards, the same episode from the same seed, episodes that end by the time limit.",
            "Exit status 0 when every check passes, 1 otherwise."})
public final class EnvCheckCommand implements Callable<Integer> {

    @Option(names = "--env", required = true, description = "Environment id (see ./trpo env list), or process:<command>.")
    String envId;

    @Option(names = "--episodes", defaultValue = "5", description = "Random episodes to play (default ${DEFAULT-VALUE}).")
    int episodes;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the resets and the random actions (default ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    private CommandSpec spec;

    /** One played episode: what the reproducibility check compares, and what the table shows. */
    private record Episode(int steps, double totalReward, boolean terminated, Boolean success,
                           List<double[]> observations, double[] rewards, String nonFinite) {
    }

    @Override
    public Integer call() {
        if (episodes < 1 || episodes > 10_000) {
            throw new UsageException("--episodes " + episodes + " is out of range: use 1 to 10000");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Episode> played = new ArrayList<>();
        long steps = 0;
        long started;
        long nanos;
        int limit;
        try (Environment env = Environments.create(envId)) {
            limit = env.maxEpisodeSteps();
            out.printf(Locale.ROOT, "environment  %s%nobservation  %d values%nactions      %s%ntime limit   %d steps%n%n",
                    env.id(), env.observationSize(), EnvListCommand.describe(env.actionSpace()), limit);
            out.printf(Locale.ROOT, "%7s  %6s  %12s  %-10s  %s%n", "episode", "steps", "return", "ended by", "task");
            SplittableRandom actions = new SplittableRandom(seed);
            started = System.nanoTime();
            for (int e = 0; e < episodes; e++) {
                Episode ep = play(env, seed + e, actions.split(), limit);
                played.add(ep);
                steps += ep.steps();
                out.printf(Locale.ROOT, "%7d  %6d  %12.3f  %-10s  %s%n", e, ep.steps(), ep.totalReward(),
                        ep.terminated() ? "terminated" : ep.steps() >= limit ? "time limit" : "truncated",
                        ep.success() == null ? "-" : ep.success() ? "achieved" : "failed");
                out.flush();
            }
            nanos = System.nanoTime() - started;
        }
        out.printf(Locale.ROOT, "%nstep rate    %,.0f steps/s (random actions, one instance, this machine)%n",
                steps / Math.max(nanos / 1e9, 1e-9));
        long judged = played.stream().filter(p -> p.success() != null).count();
        out.printf(Locale.ROOT, "task         %s%n%n", judged == 0
                ? "not judged (no \"success\" on the last steps: evaluations report returns only)"
                : "judged on " + judged + " of " + played.size() + " episode ends (evaluations report the success rate)");

        List<String> failures = new ArrayList<>();
        String nonFinite = played.stream().map(Episode::nonFinite).filter(s -> s != null).findFirst().orElse(null);
        report(out, "finite observations and rewards", nonFinite == null ? null
                : nonFinite + " (the stream processors dead-letter such transitions)", failures);
        Episode again;
        try (Environment fresh = Environments.create(envId)) {
            again = play(fresh, seed, new SplittableRandom(seed).split(), limit);
        }
        report(out, "the same seed plays the same episode", sameEpisode(played.get(0), again), failures);
        int longest = played.stream().mapToInt(Episode::steps).max().orElse(0);
        report(out, "episodes end by the time limit", longest <= limit ? null
                : "an episode ran " + longest + " steps against a limit of " + limit, failures);
        out.flush();
        return failures.isEmpty() ? 0 : 1;
    }

    private static void report(PrintWriter out, String check, String failure, List<String> failures) {
        out.printf(Locale.ROOT, "%-4s %s%s%n", failure == null ? "ok" : "FAIL", check, failure == null ? "" : ": " + failure);
        if (failure != null) {
            failures.add(check);
        }
    }

    /** Null when both episodes match exactly, else the first difference. */
    private static String sameEpisode(Episode first, Episode again) {
        int n = Math.min(first.observations().size(), again.observations().size());
        for (int t = 0; t < n; t++) {
            if (!Arrays.equals(first.observations().get(t), again.observations().get(t))) {
                return (t == 0 ? "the first observation after the reset" : "the observation after step " + t)
                        + " differs: " + Arrays.toString(first.observations().get(t)) + " then "
                        + Arrays.toString(again.observations().get(t))
                        + " (runs with the same --seed will differ: seed the simulator from the reset's seed)";
            }
            if (t > 0 && Double.compare(first.rewards()[t - 1], again.rewards()[t - 1]) != 0) {
                return "the reward of step " + t + " differs: " + first.rewards()[t - 1] + " then " + again.rewards()[t - 1];
            }
        }
        return first.steps() == again.steps() ? null
                : "the episode lasted " + first.steps() + " steps, then " + again.steps();
    }

    private static Episode play(Environment env, long resetSeed, SplittableRandom actions, int limit) {
        int obsSize = env.observationSize();
        ActionSpace space = env.actionSpace();
        double[] obs = new double[obsSize];
        env.reset(resetSeed, obs);
        List<double[]> observations = new ArrayList<>();
        observations.add(obs.clone());
        String nonFinite = firstNonFinite(obs, "the reset's observation");
        StepResult r = new StepResult(obsSize);
        double[] rewards = new double[limit + 1];
        double total = 0;
        int steps = 0;
        boolean done = false;
        while (!done && steps <= limit) {
            env.step(TraceReplayer.randomActions(space, 1, actions).get(0), r);
            steps++;
            rewards[steps - 1] = r.reward;
            total += r.reward;
            observations.add(r.observation.clone());
            if (nonFinite == null) {
                nonFinite = firstNonFinite(r.observation, "the observation after step " + steps);
            }
            if (nonFinite == null && !Double.isFinite(r.reward)) {
                nonFinite = "the reward of step " + steps + " is " + r.reward;
            }
            done = r.done();
        }
        return new Episode(steps, total, r.terminated, r.success, observations, rewards, nonFinite);
    }

    private static String firstNonFinite(double[] values, String where) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                return where + " has " + values[i] + " at index " + i;
            }
        }
        return null;
    }
}
