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
        TrainCommand cmd = new TrainCommand();
        List<String> args = new java.util.ArrayList<>(List.of("--env", "CartPole-v1", "--run-id", runId,
                "--run-dir", tmp.resolve(runId).toString(), "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--metrics-port", "0", "--quiet"));
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
    }

    @Test
    void theSameSeedGivesIdenticalPoliciesWithOneOrFourPartitions() throws Exception {
        ActorCritic a = Snapshots.toActorCritic(EvalCommand.read(train("repro-a", "--seed", "7", "--total-steps", "4096").folder().policy()));
        ActorCritic b = Snapshots.toActorCritic(EvalCommand.read(train("repro-b", "--seed", "7", "--total-steps", "4096").folder().policy()));
        ActorCritic c = Snapshots.toActorCritic(EvalCommand.read(train("repro-c", "--seed", "7", "--total-steps", "4096",
                "--partitions", "4").folder().policy()));
        ActorCritic other = Snapshots.toActorCritic(EvalCommand.read(train("repro-d", "--seed", "8", "--total-steps", "4096").folder().policy()));

        assertArrayEquals(a.actorParameters(), b.actorParameters());
        assertArrayEquals(a.criticParameters(), b.criticParameters());
        assertArrayEquals(a.actorParameters(), c.actorParameters());
        assertArrayEquals(a.criticParameters(), c.criticParameters());
        assertTrue(!java.util.Arrays.equals(a.actorParameters(), other.actorParameters()), "another seed must differ");
    }
}
