package dev.trpo.app.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.trpo.app.cli.UsageException;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.eval.PolicyEvaluator;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.RecordDecodingException;
import dev.trpo.schemas.Snapshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trpo eval --policy FILE}: mean and std of deterministic episode returns. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a policy snapshot with deterministic actions.",
            "Plays episodes with a PolicySnapshot file (e.g. runs/<id>/policy.avro) and prints the mean and std of the returns."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "A PolicySnapshot in single-object encoding.")
    Path policy;

    @Option(names = "--episodes", defaultValue = "20", description = "Episodes to play (default ${DEFAULT-VALUE}).")
    int episodes;

    @Option(names = "--seed", defaultValue = "1000", description = "Episode i starts from the initial state of seed S+i (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--env", description = "Environment id (default: the snapshot's).")
    String env;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (episodes < 1 || episodes > 1_000_000) {
            throw new UsageException("--episodes " + episodes + " is out of range: use 1 to 1000000");
        }
        PolicySnapshot snapshot = read(policy);
        String envId = env != null ? env : snapshot.getEnvId();
        if (!Environments.contains(envId)) {
            throw new UsageException("unknown environment '" + envId + "': one of " + Environments.ids());
        }
        PolicyEvaluator.Result r = PolicyEvaluator.evaluate(Snapshots.toActorCritic(snapshot), envId, episodes, seed);
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode node = mapper.createObjectNode();
            node.put("env", envId).put("policy_version", snapshot.getVersion()).put("episodes", episodes)
                    .put("seed", seed).put("mean", r.mean()).put("std", r.std());
            var returns = node.putArray("returns");
            for (double v : r.returns()) {
                returns.add(v);
            }
            System.out.println(mapper.writeValueAsString(node));
        } else {
            System.out.printf(Locale.ROOT, "%s policy v%d: mean return %.2f +/- %.2f over %d deterministic episodes (seed %d)%n",
                    envId, snapshot.getVersion(), r.mean(), r.std(), episodes, seed);
        }
        return 0;
    }

    /** Reads a snapshot file, with a one-line error when it is not one. */
    public static PolicySnapshot read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e.getMessage());
        }
        try {
            return AvroSerde.of(PolicySnapshot.class).decode(bytes);
        } catch (RecordDecodingException e) {
            throw new UsageException(file + " is not a policy snapshot (" + e.getMessage() + ")");
        }
    }
}
