package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.trpo.app.eval.EvalCommand;
import dev.trpo.kafka.embedded.EmbeddedKafkaExtension;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Snapshots;
import dev.trpo.policy.ActorCritic;
import picocli.CommandLine;

/** The whole pipeline (connector, stream processors, trainer) through a real broker. */
class TrainEndToEndTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path tmp;

    private TrainResult train(String runId, String... extra) throws Exception {
        return trainOn("CartPole-v1", runId, extra);
    }

    private TrainResult trainOn(String env, String runId, String... extra) throws Exception {
        TrainCommand cmd = new TrainCommand();
        List<String> args = new java.util.ArrayList<>(List.of("--env", env, "--run-id", runId,
                "--run-dir", tmp.resolve(runId).toString(), "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--metrics-port", "0", "--quiet"));
        if (!List.of(extra).contains("--timeout")) {
            args.addAll(List.of("--timeout", "PT10M")); // a safety net: a run has no time limit by default
        }
        args.addAll(List.of(extra));
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        return cmd.run();
    }

    @Test
    void cartPoleReturnRisesFarAboveRandomWithinFiftyThousandSteps() throws Exception {
        TrainResult r = train("e2e-learn", "--seed", "3", "--total-steps", "51200", "--eval-episodes", "10");

        List<String> curve = Files.readAllLines(r.folder().curveCsv());
        double firstMean10 = Double.parseDouble(curve.get(2).split(",")[4]);
        assertTrue(firstMean10 < 50, "a fresh policy should score about 20, got " + firstMean10);
        assertEquals(50L, ((Number) r.summary().get("policy_version")).longValue());
        assertEquals(51200L, ((Number) r.summary().get("total_steps")).longValue());
        assertTrue(r.eval().mean() > 150, "final deterministic return " + r.eval().mean());
        assertTrue(Files.size(r.folder().curvePng()) > 1000);
        assertTrue(Files.readString(r.folder().summary()).contains("\"final_eval_mean\""));
        PolicySnapshot saved = EvalCommand.read(r.folder().policy());
        assertEquals(50L, saved.getVersion());

        // every 10th version was evaluated (the last with the final evaluation), and the best one kept
        List<Long> evaluated = new java.util.ArrayList<>();
        double bestSeen = Double.NEGATIVE_INFINITY;
        for (String line : curve.subList(1, curve.size())) {
            String[] cells = line.split(",", -1);
            if (!cells[9].isEmpty()) {
                evaluated.add(Long.parseLong(cells[2]));
                bestSeen = Math.max(bestSeen, Double.parseDouble(cells[9]));
            }
        }
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L), evaluated);
        double bestMean = ((Number) r.summary().get("best_eval_mean")).doubleValue();
        long bestVersion = ((Number) r.summary().get("best_eval_version")).longValue();
        assertEquals(bestSeen, bestMean, 1e-3 * Math.abs(bestSeen), "the summary's best is the curve's best");
        PolicySnapshot best = EvalCommand.read(r.folder().bestPolicy());
        assertEquals(bestVersion, best.getVersion());
        assertEquals(bestMean, dev.trpo.connectors.eval.PolicyEvaluator.evaluate(Snapshots.toActorCritic(best),
                "CartPole-v1", 10, 3 + 1_000_000).mean(), 1e-3, "best-policy.avro plays the evaluation it was kept for");
    }

    @Test
    void aPluginEnvironmentTrainsEndToEndWithTheDefaultHyperParameters() throws Exception {
        // LineWorld-v0 comes from the connectors' test jar through META-INF/services, as a user's plug-in jar would:
        // walk right from [-2, 2) to +3 (2 to 5 steps, return -2 to -5); a random walk mostly times out at 20
        TrainResult r = trainOn("LineWorld-v0", "plugin", "--seed", "2", "--total-steps", "8192", "--eval-every", "0");

        assertEquals("LineWorld-v0", r.summary().get("env"));
        assertEquals(4L, ((Number) r.summary().get("policy_version")).longValue(), r.summary().toString());
        assertTrue(r.eval().mean() > -6, "the trained policy walks right: " + r.eval().mean());
        List<String> curve = Files.readAllLines(r.folder().curveCsv());
        double first = Double.parseDouble(curve.get(2).split(",")[5]);
        double last = Double.parseDouble(curve.get(curve.size() - 1).split(",")[5]);
        assertTrue(last > first + 3, "the training return (last 100) rose from " + first + " to " + last);
        assertEquals("LineWorld-v0", EvalCommand.read(r.folder().policy()).getEnvId());
    }

    @Test
    void anEnvironmentInAPythonProcessLearnsAndReproduces() throws Exception {
        // connectors/python/cartpole.py: CartPole in plain Python behind the process protocol (python3 on the PATH)
        String env = "process:python3 " + Path.of("../connectors/python/cartpole.py").toAbsolutePath().normalize();
        TrainResult r = trainOn(env, "process", "--seed", "3", "--total-steps", "20480", "--eval-every", "0",
                "--eval-episodes", "5", "--target-return", "195");

        assertEquals(env, r.summary().get("env"));
        // an id without a preset trains with the defaults (batch 2048) and stops at --target-return, which is also
        // its steps-to-threshold line
        assertEquals("target return 195.0 reached", r.summary().get("stop_reason"), r.summary().toString());
        assertTrue(((Number) r.summary().get("policy_version")).longValue() < 10, r.summary().toString());
        assertTrue(r.summary().get("steps_to_threshold") != null, r.summary().toString());
        List<String> curve = Files.readAllLines(r.folder().curveCsv());
        double first = Double.parseDouble(curve.get(2).split(",")[5]);
        double last = Double.parseDouble(curve.get(curve.size() - 1).split(",")[5]);
        assertTrue(first < 50 && last > first + 50, "the training return (last 100) rose from " + first + " to " + last);
        assertTrue(r.eval().mean() > 150, "final deterministic return " + r.eval().mean());
        assertEquals(195.0, ((Number) r.summary().get("threshold")).doubleValue());
        assertEquals(env, EvalCommand.read(r.folder().policy()).getEnvId());

        PolicySnapshot a = EvalCommand.read(trainOn(env, "process-a", "--seed", "5", "--total-steps", "4096",
                "--eval-every", "0", "--eval-episodes", "1").folder().policy());
        PolicySnapshot b = EvalCommand.read(trainOn(env, "process-b", "--seed", "5", "--total-steps", "4096",
                "--eval-every", "0", "--eval-episodes", "1", "--partitions", "4").folder().policy());
        assertArrayEquals(bytesOf(a), bytesOf(b), "the same seed through the process, 1 and 4 partitions");
    }

    @Test
    void anEnvironmentWhoseOutputIsDeadLetteredStopsTheRunWithTheReasonInsteadOfStalling() throws Exception {
        // nan.py's observation is NaN on every third step: the stream processors dead-letter those transitions, so
        // the first batch can never complete in sync mode
        String env = "process:python3 " + Path.of("src/test/resources/process-env/nan.py").toAbsolutePath() + " "
                + Path.of("../connectors/python").toAbsolutePath().normalize();
        long start = System.nanoTime();
        TrainResult r = trainOn(env, "stall", "--total-steps", "4096", "--stall-timeout", "PT3S", "--eval-every", "0",
                "--eval-episodes", "1");
        double seconds = (System.nanoTime() - start) / 1e9;

        String reason = (String) r.summary().get("stop_reason");
        assertTrue(reason.startsWith("stalled: no new version for 3 s after "), reason);
        assertTrue(reason.contains("transitions were dead-lettered to trpo.stall.dlq"), reason);
        assertTrue(reason.contains("./trpo env check"), reason);
        assertTrue(!r.ok(), "a stalled run is not a success");
        assertEquals(0L, ((Number) r.summary().get("policy_version")).longValue());
        assertTrue(seconds < 60, "stopped after " + seconds + " s, not at --timeout");
    }

    @Test
    void anEnvironmentThatCrashesForGoodKeepsThePolicyTrainedSoFarAndSaysWhy() throws Exception {
        // each actor's process crashes after 2100 steps (each actor plays 1024 steps per version), and every process
        // started after that crashes at its first step, the final evaluation's included
        Path marker = tmp.resolve("down");
        String env = "process:python3 " + Path.of("src/test/resources/process-env/crashes.py").toAbsolutePath() + " "
                + Path.of("../connectors/python").toAbsolutePath().normalize() + " 2100 " + marker;
        TrainResult r = trainOn(env, "crash", "--seed", "2", "--total-steps", "20480", "--eval-every", "0");

        assertTrue(!r.ok(), "a run whose environment crashed is not a success");
        String reason = (String) r.summary().get("stop_reason");
        assertTrue(reason.startsWith("connector failed: ") && reason.contains("exit status 7")
                && reason.contains("lost contact with the robot"), reason);
        assertEquals(null, r.eval());
        String evalError = (String) r.summary().get("final_eval_error");
        assertTrue(evalError != null && evalError.contains("lost contact with the robot"), r.summary().toString());
        assertEquals(null, r.summary().get("final_eval_mean"));
        assertTrue(r.table().contains("failed: environment"), r.table());
        PolicySnapshot kept = EvalCommand.read(r.folder().policy());
        long version = ((Number) r.summary().get("policy_version")).longValue();
        assertEquals(2L, version, "versions 1 and 2 were trained before the crash: " + r.summary());
        assertEquals(version, kept.getVersion());
        assertTrue(Files.readString(r.folder().summary()).contains("\"final_eval_error\""));
    }

    @Test
    void aTaskThatSaysWhetherItWasAchievedGetsItsSuccessRateInTheSummaryAndTable() throws Exception {
        String env = "process:python3 " + Path.of("../connectors/src/test/resources/process-env/reaches.py").toAbsolutePath()
                .normalize() + " " + Path.of("../connectors/python").toAbsolutePath().normalize();
        Path config = tmp.resolve("reach.properties");
        Files.writeString(config, "trpo.trainer.batch-steps=256\ntrpo.trainer.critic.minibatch-size=64\n");
        TrainResult r = trainOn(env, "reach", "--seed", "1", "--total-steps", "2048", "--eval-every", "0",
                "--config", config.toString());

        assertTrue(r.ok(), r.summary().toString());
        double rate = ((Number) r.summary().get("final_eval_success_rate")).doubleValue();
        assertEquals(r.eval().successRate(), rate, 1e-3);
        long achieved = Math.round(rate * 20);
        assertTrue(r.table().contains("achieved the task in " + achieved + " of 20"), r.table());
        assertEquals(null, train("no-judge", "--seed", "1", "--total-steps", "1024", "--eval-every", "0",
                "--eval-episodes", "2").summary().get("final_eval_success_rate"), "CartPole says nothing of success");
    }

    @Test
    void aTimeLimitStopsTheRunAndKeepsWhatItTrained() throws Exception {
        TrainResult r = train("time-limit", "--seed", "2", "--total-steps", "10000000", "--timeout", "PT5S",
                "--eval-every", "0", "--eval-episodes", "2");

        assertEquals("timed out after PT5S", r.summary().get("stop_reason"), r.summary().toString());
        assertTrue(r.ok(), "a time limit is a way to end a run, as --total-steps is");
        long version = ((Number) r.summary().get("policy_version")).longValue();
        // how far 5 s get depends on the machine, but not to the 9766 versions asked for
        assertTrue(version >= 0 && version < 9766, r.summary().toString());
        assertEquals(version, EvalCommand.read(r.folder().policy()).getVersion());
        assertEquals(version * 1024, ((Number) r.summary().get("total_steps")).longValue());
        assertTrue(r.eval() != null && r.eval().returns().length == 2, "the final evaluation still runs");
    }

    @Test
    void evaluationsSlowerThanTheUpdatesStillEvaluateAndPlotEveryVersion() throws Exception {
        // the evaluation instances take 3 ms a step and the actors' none, so the loop that evaluates falls behind
        // the trainer; it used to stop once the trainer had published the last version, leaving the rest out
        String env = "process:python3 " + Path.of("src/test/resources/process-env/slow_eval.py").toAbsolutePath() + " "
                + Path.of("../connectors/python").toAbsolutePath().normalize() + " 3";
        Path config = tmp.resolve("small-batch.properties");
        Files.writeString(config, "trpo.trainer.batch-steps=512\n");
        TrainResult r = trainOn(env, "slow-eval", "--seed", "1", "--total-steps", "4096", "--eval-every", "1",
                "--eval-episodes", "1", "--config", config.toString());

        assertTrue(r.ok(), r.summary().toString());
        List<String> curve = Files.readAllLines(r.folder().curveCsv());
        List<Long> versions = new java.util.ArrayList<>();
        double bestSeen = Double.NEGATIVE_INFINITY;
        for (String line : curve.subList(1, curve.size())) {
            String[] cells = line.split(",", -1);
            versions.add(Long.parseLong(cells[2]));
            assertTrue(cells[2].equals("0") || !cells[9].isEmpty(), "version " + cells[2] + " was evaluated: " + line);
            bestSeen = cells[9].isEmpty() ? bestSeen : Math.max(bestSeen, Double.parseDouble(cells[9]));
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), versions);
        assertEquals(bestSeen, ((Number) r.summary().get("best_eval_mean")).doubleValue(), 1e-3 * Math.abs(bestSeen),
                "the best of all eight evaluations is kept");
    }

    @Test
    void aRunResumedFromItsSnapshotGoesOnWithItsStatisticsOptimiserAndSettings() throws Exception {
        TrainResult first = trainOn("MountainCar-v0", "resume-a", "--seed", "7", "--total-steps", "4096",
                "--eval-every", "0", "--eval-episodes", "1");
        PolicySnapshot before = EvalCommand.read(first.folder().policy());
        Path config = Files.writeString(tmp.resolve("kl.properties"), "trpo.trainer.max-kl=0.005\n");
        // no --env and no --seed: both come from the snapshot
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs("--resume", first.folder().policy().toString(), "--run-id", "resume-b",
                "--run-dir", tmp.resolve("resume-b").toString(), "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--metrics-port", "0", "--quiet", "--total-steps", "4096", "--eval-every", "0", "--eval-episodes", "1",
                "--config", config.toString());
        TrainResult second = cmd.run();
        PolicySnapshot after = EvalCommand.read(second.folder().policy());

        assertTrue(second.ok(), second.summary().toString());
        assertEquals("MountainCar-v0", second.summary().get("env"));
        assertEquals(7L, ((Number) second.summary().get("seed")).longValue());
        assertEquals(2L, ((Number) second.summary().get("resumed_from_version")).longValue());
        assertEquals(4L, after.getVersion());
        assertEquals(8192L, after.getCounters().getTotalSteps());
        assertEquals(4L, after.getCounters().getUpdates());
        // VecNormalize's statistics and the critic's Adam state went on from the snapshot's, not from scratch
        assertEquals(8192.0, after.getRewardNormalizer().getCount(), 0.0, after.getRewardNormalizer().toString());
        assertEquals(2 * before.getResume().getCriticAdamStep(), after.getResume().getCriticAdamStep());
        assertTrue(after.getNormalizer().getCount() > before.getNormalizer().getCount());
        // the settings it was trained with, under --config's
        java.util.Map<String, String> hpBefore = new java.util.TreeMap<>();
        before.getHyperParameters().forEach((k, v) -> hpBefore.put(k.toString(), v.toString()));
        java.util.Map<String, String> hpAfter = new java.util.TreeMap<>();
        after.getHyperParameters().forEach((k, v) -> hpAfter.put(k.toString(), v.toString()));
        assertEquals("0.005", hpAfter.remove("trpo.trainer.max-kl"));
        hpBefore.remove("trpo.trainer.max-kl");
        assertEquals(hpBefore, hpAfter);
        assertTrue(second.table().contains("4 (resumed from 2)"), second.table());
    }

    @Test
    void theSameSeedGivesIdenticalPoliciesWithOneOrFourPartitions() throws Exception {
        PolicySnapshot a = EvalCommand.read(train("repro-a", "--seed", "7", "--total-steps", "4096").folder().policy());
        PolicySnapshot c = EvalCommand.read(train("repro-c", "--seed", "7", "--total-steps", "4096",
                "--partitions", "4").folder().policy());
        PolicySnapshot other = EvalCommand.read(train("repro-d", "--seed", "8", "--total-steps", "4096").folder().policy());
        // MountainCar's preset normalises observations and rewards: their statistics must not depend on arrival order
        PolicySnapshot m1 = EvalCommand.read(trainOn("MountainCar-v0", "repro-m1", "--seed", "7", "--total-steps", "4096")
                .folder().policy());
        PolicySnapshot m4 = EvalCommand.read(trainOn("MountainCar-v0", "repro-m4", "--seed", "7", "--total-steps", "4096",
                "--partitions", "4").folder().policy());

        assertArrayEquals(bytesOf(a), bytesOf(c), "CartPole, 1 and 4 partitions");
        assertArrayEquals(bytesOf(m1), bytesOf(m4), "MountainCar, 1 and 4 partitions");
        assertTrue(m1.getRewardNormalizer().getEnabled() && m1.getRewardNormalizer().getCount() == 4096,
                "the reward statistics saw the run's 4096 steps: " + m1.getRewardNormalizer());
        assertTrue(!java.util.Arrays.equals(Snapshots.toActorCritic(a).actorParameters(),
                Snapshots.toActorCritic(other).actorParameters()), "another seed must differ");
    }

    @Test
    void aTargetReturnStopsAtTheSameVersionWithOneOrFourPartitions() throws Exception {
        // which version is checked against --target-return must not depend on the order in which the episode
        // summaries of four actors arrive from four partitions, nor on how long a check takes
        TrainResult one = train("target-1", "--seed", "3", "--total-steps", "51200", "--target-return", "150",
                "--eval-every", "0", "--eval-episodes", "1", "--actors", "4");
        TrainResult four = train("target-4", "--seed", "3", "--total-steps", "51200", "--target-return", "150",
                "--eval-every", "0", "--eval-episodes", "1", "--actors", "4", "--partitions", "4");

        assertEquals("target return 150.0 reached", one.summary().get("stop_reason"), one.summary().toString());
        long version = ((Number) one.summary().get("policy_version")).longValue();
        assertTrue(version > 1 && version < 50, one.summary().toString());
        assertEquals(version, ((Number) four.summary().get("policy_version")).longValue(), four.summary().toString());
        PolicySnapshot a = EvalCommand.read(one.folder().policy());
        assertEquals(version, a.getVersion());
        assertArrayEquals(bytesOf(a), bytesOf(EvalCommand.read(four.folder().policy())), "1 and 4 partitions");
        assertTrue(dev.trpo.connectors.eval.PolicyEvaluator.evaluate(Snapshots.toActorCritic(a), "CartPole-v1", 5,
                3 + 1_000_000).mean() >= 150, "the version it stopped at plays the target");
        // the learning figures place each episode at the step that ended it, not where its summary arrived
        assertEquals(curveWithoutTimes(one), curveWithoutTimes(four), "the curve, 1 and 4 partitions");
        for (String key : List.of("episodes", "final_train_mean_return_100", "steps_to_threshold")) {
            assertEquals(one.summary().get(key), four.summary().get(key), key);
        }
        assertTrue(((Number) one.summary().get("episodes")).longValue() > 4 * version, one.summary().toString());
    }

    /** curve.csv without its wall_seconds column. */
    private static List<String> curveWithoutTimes(TrainResult r) throws java.io.IOException {
        return Files.readAllLines(r.folder().curveCsv()).stream().map(line -> line.replaceFirst("^([^,]*),[^,]*,", "$1,"))
                .toList();
    }

    /** The snapshot's bytes with what names the run (id, wall-clock time) blanked: everything learned must match. */
    private static byte[] bytesOf(PolicySnapshot s) {
        PolicySnapshot blank = PolicySnapshot.newBuilder(s).setRunId("-").setCreatedAtMs(0).build();
        return dev.trpo.schemas.AvroSerde.of(PolicySnapshot.class).encode(blank);
    }
}
