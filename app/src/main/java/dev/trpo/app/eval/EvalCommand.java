package dev.trpo.app.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.trpo.app.cli.KafkaOptions;
import dev.trpo.app.cli.PolicyKeyOptions;
import dev.trpo.app.cli.UsageException;
import dev.trpo.connectors.env.Environments;
import dev.trpo.connectors.env.ProcessEnvironment;
import dev.trpo.connectors.eval.PolicyEvaluator;
import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.RecordDecodingException;
import dev.trpo.schemas.Snapshots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trpo eval --policy FILE} or {@code --run-id R [--policy-version V]}: mean and std of deterministic episode returns. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a policy snapshot with deterministic actions.",
            "Plays episodes with a PolicySnapshot file (e.g. runs/<id>/policy.avro), or with a version a run published "
                + "to Kafka (--run-id, --policy-version), and prints the mean and std of the returns."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--policy", paramLabel = "FILE", description = "A PolicySnapshot in single-object encoding.")
    Path policy;

    @Option(names = "--run-id", description = "Instead of --policy: read the snapshot from the run's policy-history topic (see --policy-version).")
    String runId;

    @Option(names = "--policy-version", paramLabel = "V", description = "With --run-id: the version to read (default: the newest), "
            + "e.g. the best_version the trainer logs.")
    Long version;

    @Option(names = "--save", paramLabel = "FILE", description = "Also write the snapshot to this file (e.g. to deploy it).")
    Path save;

    @Option(names = "--timeout", defaultValue = "PT30S", description = "With --run-id: give up reading after this long (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PolicyKeyOptions policyKey;

    @Option(names = "--episodes", defaultValue = "20", description = "Episodes to play (default ${DEFAULT-VALUE}).")
    int episodes;

    @Option(names = "--seed", defaultValue = "1000", description = "Episode i starts from the initial state of seed S+i (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--env", description = "Environment id (default: the snapshot's).")
    String env;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "N", description = "Environment instances playing the"
            + " episodes at once, e.g. one per simulator process the machine can run (default ${DEFAULT-VALUE}); the"
            + " figures do not depend on it.")
    int parallel;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (episodes < 1 || episodes > 1_000_000) {
            throw new UsageException("--episodes " + episodes + " is out of range: use 1 to 1000000");
        }
        if (parallel < 1 || parallel > 1024) {
            throw new UsageException("--parallel " + parallel + " is out of range: use 1 to 1024");
        }
        if ((policy == null) == (runId == null)) {
            throw new UsageException("give either --policy FILE or --run-id R (with --bootstrap-servers), not "
                    + (policy == null ? "neither" : "both"));
        }
        if (version != null && runId == null) {
            throw new UsageException("--policy-version needs --run-id: a file holds one version");
        }
        if (policy != null && policyKey.verifier().active()) {
            throw new UsageException("--policy-public-key checks a snapshot read with --run-id: a file carries no"
                    + " signature");
        }
        PolicySnapshot snapshot = policy != null ? read(policy)
                : PolicyHistory.read(kafka.reachableClientProperties(), runId, version, timeout, policyKey.verifier());
        if (save != null) {
            try {
                Files.write(save, AvroSerde.of(PolicySnapshot.class).encode(snapshot));
            } catch (IOException e) {
                throw new UsageException("cannot write " + save + ": " + e.getMessage());
            }
        }
        if (env == null && ProcessEnvironment.isProcessId(snapshot.getEnvId())) {
            // a snapshot is data (a file someone sent, a topic others write): the command it names is not run on trust
            throw new UsageException("the policy was trained on '" + snapshot.getEnvId() + "', a command: trpo does not"
                    + " run commands named by a snapshot; give it with --env to run it");
        }
        String envId = env != null ? env : snapshot.getEnvId();
        if (!Environments.contains(envId)) {
            throw new UsageException("unknown environment '" + envId + "': one of " + Environments.ids());
        }
        PolicyEvaluator.Result r = PolicyEvaluator.evaluate(Snapshots.toActorCritic(snapshot), envId, episodes, seed,
                parallel);
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode node = mapper.createObjectNode();
            node.put("env", envId).put("policy_version", snapshot.getVersion()).put("episodes", episodes)
                    .put("seed", seed).put("mean", r.mean()).put("std", r.std());
            var returns = node.putArray("returns");
            for (double v : r.returns()) {
                returns.add(v);
            }
            if (r.reported() > 0) {
                node.put("success_rate", r.successRate()).put("episodes_judged", r.reported());
            } else {
                node.putNull("success_rate");
            }
            System.out.println(mapper.writeValueAsString(node));
        } else {
            System.out.printf(Locale.ROOT, "%s policy v%d: mean return %.2f +/- %.2f over %d deterministic episodes (seed %d)%s%n",
                    envId, snapshot.getVersion(), r.mean(), r.std(), episodes, seed, successText(r));
        }
        return 0;
    }

    /** ", achieved the task in 17 of 20" when the environment said, else nothing. */
    public static String successText(PolicyEvaluator.Result r) {
        if (r.reported() == 0) {
            return "";
        }
        long yes = java.util.Arrays.stream(r.successes()).filter(Boolean.TRUE::equals).count();
        return ", achieved the task in " + yes + " of " + r.reported();
    }

    /** Reads a snapshot file, with a one-line error when it is not one. */
    public static PolicySnapshot read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UsageException("cannot read " + file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new UsageException("cannot read " + file + ": permission denied");
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
