package dev.trpo.app.chaos;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.trpo.schemas.AvroSerde;
import dev.trpo.schemas.DlqHeaders;
import dev.trpo.schemas.PolicySnapshot;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.SegmentStep;
import dev.trpo.schemas.TopicSpec;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;

/**
 * Reads every committed record of a run back (read_committed, from the beginning to the last stable offset) and
 * checks that nothing was lost or duplicated:
 * <ul>
 *   <li>{@code policies}: the policy-history topic holds versions 0..N each exactly once, each trained from the one
 *       before; the compacted policies topic holds no version twice and ends at N;</li>
 *   <li>{@code transitions}: under each version v &lt; N every actor took exactly steps-per-version steps, and no
 *       (actor, episode, step) was committed twice;</li>
 *   <li>{@code segments}: every committed transition of version v &lt; N is exactly one committed segment step of
 *       version v, and no segment step is there twice or without its transition;</li>
 *   <li>{@code dead-letters}: the dead-letter topic is empty. Every component is exactly-once and a restarted actor
 *       resumes where its last commit left it, so no kill legitimately dead-letters anything; every reason found is
 *       counted.</li>
 * </ul>
 * It also yields the final policy (version N) with its wall-clock and run-id fields blanked, and a digest of the
 * committed transitions without those fields, for the comparison with an uninterrupted run.
 */
final class TopicAudit {
    /** Fields of PolicySnapshot that differ between two runs of the same seed: the run id and the publication time. */
    static final List<String> BLANKED_SNAPSHOT_FIELDS = List.of("runId", "createdAtMs");
    /** Fields of Transition blanked in the digest: the run id and the wall-clock time of the step. */
    static final List<String> BLANKED_TRANSITION_FIELDS = List.of("runId", "timestampMs");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(120);

    /** One named check: passed or not, and why, in one line. */
    record Check(String name, boolean passed, String detail) {
    }

    /** What the topics hold. */
    record Result(List<Check> checks, long versions, long samples, long expectedSamples, long lost, long duplicated,
                  long segmentSteps, long transitionsPastTarget, Map<String, Long> deadLettersByReason,
                  byte[] finalPolicy, String transitionsDigest) {
    }

    private record StepKey(String actor, long episode, int step) implements Comparable<StepKey> {
        private static final Comparator<StepKey> ORDER = Comparator.comparing(StepKey::actor)
                .thenComparingLong(StepKey::episode).thenComparingInt(StepKey::step);

        @Override
        public int compareTo(StepKey o) {
            return ORDER.compare(this, o);
        }
    }

    private TopicAudit() {
    }

    /**
     * Audits run {@code topics} on the broker at {@code bootstrapServers}.
     *
     * @param actors          the connector's actors, ids {@code actor-0 ..}
     * @param stepsPerVersion steps each actor takes under one version
     * @param versions        N, the trainer's last version
     */
    static Result audit(String bootstrapServers, Topics topics, int actors, int stepsPerVersion, int versions) throws Exception {
        List<Check> checks = new ArrayList<>();
        long n = versions;

        // (a) policies
        AvroSerde<PolicySnapshot> snapshots = AvroSerde.of(PolicySnapshot.class);
        Map<Long, Integer> history = new TreeMap<>();
        Map<Long, PolicySnapshot> byVersion = new TreeMap<>();
        List<String> policyProblems = new ArrayList<>();
        read(bootstrapServers, topics.policyHistory(), r -> {
            if (r.value() == null) {
                return;
            }
            PolicySnapshot s = snapshots.decode(r.value());
            history.merge(s.getVersion(), 1, Integer::sum);
            byVersion.putIfAbsent(s.getVersion(), s);
        });
        Map<Long, Integer> compacted = new TreeMap<>();
        read(bootstrapServers, topics.policies(), r -> {
            if (r.value() != null) {
                compacted.merge(snapshots.decode(r.value()).getVersion(), 1, Integer::sum);
            }
        });
        for (long v = 0; v <= n; v++) {
            int c = history.getOrDefault(v, 0);
            if (c != 1) {
                policyProblems.add("version " + v + " is on " + topics.policyHistory().name() + " " + c + " times");
            }
            PolicySnapshot s = byVersion.get(v);
            Long expectedParent = v == 0 ? null : v - 1;
            if (s != null && !java.util.Objects.equals(s.getParentVersion(), expectedParent)) {
                policyProblems.add("version " + v + " was trained from " + s.getParentVersion() + ", not " + expectedParent);
            }
        }
        history.keySet().stream().filter(v -> v < 0 || v > n)
                .forEach(v -> policyProblems.add("version " + v + " is beyond the target " + n));
        compacted.forEach((v, c) -> {
            if (c > 1) {
                policyProblems.add("version " + v + " is on " + topics.policies().name() + " " + c + " times");
            }
        });
        if (!compacted.containsKey(n)) {
            policyProblems.add(topics.policies().name() + " does not hold version " + n);
        }
        checks.add(new Check("policies", policyProblems.isEmpty(), policyProblems.isEmpty()
                ? "versions 0.." + n + " each exactly once, each trained from the one before"
                : summary(policyProblems)));

        // (b) transitions
        AvroSerde<Transition> transitionSerde = AvroSerde.of(Transition.class);
        Map<Long, Map<StepKey, Integer>> stepsByVersion = new HashMap<>();
        TreeMap<StepKey, byte[]> canonical = new TreeMap<>();
        long[] pastTarget = {0};
        read(bootstrapServers, topics.transitions(), r -> {
            if (r.value() == null) {
                return;
            }
            Transition t = transitionSerde.decode(r.value());
            StepKey key = new StepKey(t.getActorId(), t.getEpisode(), t.getStep());
            if (t.getPolicyVersion() >= n) {
                pastTarget[0]++;
                return;
            }
            stepsByVersion.computeIfAbsent(t.getPolicyVersion(), v -> new HashMap<>()).merge(key, 1, Integer::sum);
            Transition blank = Transition.newBuilder(t).setRunId("").setTimestampMs(0).build();
            canonical.putIfAbsent(key, transitionSerde.encode(blank));
        });
        List<String> transitionProblems = new ArrayList<>();
        long lost = 0;
        long duplicated = 0;
        long samples = 0;
        Map<StepKey, Long> versionOfStep = new HashMap<>();
        for (long v = 0; v < n; v++) {
            Map<StepKey, Integer> steps = stepsByVersion.getOrDefault(v, Map.of());
            Map<String, Integer> perActor = new TreeMap<>();
            for (Map.Entry<StepKey, Integer> e : steps.entrySet()) {
                samples += e.getValue();
                perActor.merge(e.getKey().actor(), 1, Integer::sum);
                if (e.getValue() > 1) {
                    duplicated += e.getValue() - 1;
                    transitionProblems.add("version " + v + ": " + e.getKey() + " committed " + e.getValue() + " times");
                }
                Long other = versionOfStep.put(e.getKey(), v);
                if (other != null) {
                    duplicated++;
                    transitionProblems.add(e.getKey() + " committed under versions " + other + " and " + v);
                }
            }
            for (int a = 0; a < actors; a++) {
                String actor = "actor-" + a;
                int have = perActor.getOrDefault(actor, 0);
                if (have < stepsPerVersion) {
                    lost += stepsPerVersion - have;
                    transitionProblems.add("version " + v + ": " + actor + " has " + have + " steps, not " + stepsPerVersion);
                } else if (have > stepsPerVersion) {
                    duplicated += have - stepsPerVersion;
                    transitionProblems.add("version " + v + ": " + actor + " has " + have + " distinct steps, not " + stepsPerVersion);
                }
            }
            long finalV = v;
            perActor.keySet().stream().filter(id -> !id.matches("actor-\\d+") || Integer.parseInt(id.substring(6)) >= actors)
                    .forEach(id -> transitionProblems.add("version " + finalV + ": unexpected actor " + id));
        }
        stepsByVersion.keySet().stream().filter(v -> v < 0)
                .forEach(v -> transitionProblems.add("transitions of version " + v));
        long expectedSamples = (long) n * actors * stepsPerVersion;
        checks.add(new Check("transitions", transitionProblems.isEmpty(), transitionProblems.isEmpty()
                ? samples + " committed steps of versions 0.." + (n - 1) + ", " + stepsPerVersion + " per actor and version, none twice"
                : "lost " + lost + ", duplicated " + duplicated + ": " + summary(transitionProblems)));

        // (c) segments
        AvroSerde<Segment> segmentSerde = AvroSerde.of(Segment.class);
        Map<Long, Map<StepKey, Integer>> segmentSteps = new HashMap<>();
        long[] segmentStepCount = {0};
        read(bootstrapServers, topics.segments(), r -> {
            if (r.value() == null) {
                return;
            }
            Segment s = segmentSerde.decode(r.value());
            for (SegmentStep step : s.getSteps()) {
                segmentStepCount[0]++;
                segmentSteps.computeIfAbsent(s.getPolicyVersion(), v -> new HashMap<>())
                        .merge(new StepKey(s.getActorId(), step.getEpisode(), step.getStep()), 1, Integer::sum);
            }
        });
        List<String> segmentProblems = new ArrayList<>();
        long missing = 0;
        long twice = 0;
        long phantom = 0;
        for (Map.Entry<Long, Map<StepKey, Integer>> e : segmentSteps.entrySet()) {
            Map<StepKey, Integer> committed = e.getKey() < n ? stepsByVersion.getOrDefault(e.getKey(), Map.of()) : null;
            for (Map.Entry<StepKey, Integer> s : e.getValue().entrySet()) {
                if (s.getValue() > 1) {
                    twice += s.getValue() - 1;
                    segmentProblems.add("version " + e.getKey() + ": segment step " + s.getKey() + " " + s.getValue() + " times");
                }
                if (committed != null && !committed.containsKey(s.getKey())) {
                    phantom++;
                    segmentProblems.add("version " + e.getKey() + ": segment step " + s.getKey() + " has no committed transition");
                }
            }
        }
        for (Map.Entry<Long, Map<StepKey, Integer>> e : stepsByVersion.entrySet()) {
            Map<StepKey, Integer> inSegments = segmentSteps.getOrDefault(e.getKey(), Map.of());
            for (StepKey k : e.getValue().keySet()) {
                if (!inSegments.containsKey(k)) {
                    missing++;
                    segmentProblems.add("version " + e.getKey() + ": transition " + k + " is in no segment");
                }
            }
        }
        checks.add(new Check("segments", segmentProblems.isEmpty(), segmentProblems.isEmpty()
                ? "every committed transition of versions 0.." + (n - 1) + " in exactly one segment step; " + segmentStepCount[0]
                        + " segment steps in all"
                : "missing " + missing + ", twice " + twice + ", without transition " + phantom + ": " + summary(segmentProblems)));

        // (d) dead letters
        Map<String, Long> reasons = new TreeMap<>();
        read(bootstrapServers, topics.dlq(), r -> {
            Header h = r.headers().lastHeader(DlqHeaders.REASON);
            Header source = r.headers().lastHeader(DlqHeaders.SOURCE_TOPIC);
            String reason = h == null ? "(no reason header)" : new String(h.value(), StandardCharsets.UTF_8);
            String from = source == null ? "?" : new String(source.value(), StandardCharsets.UTF_8);
            reasons.merge(reason + " from " + from, 1L, Long::sum);
        });
        long deadLetters = reasons.values().stream().mapToLong(Long::longValue).sum();
        checks.add(new Check("dead-letters", deadLetters == 0, deadLetters == 0 ? "the dead-letter topic is empty"
                : deadLetters + " dead letters: " + reasons));

        PolicySnapshot last = byVersion.get(n);
        byte[] finalPolicy = last == null ? null : blanked(last, snapshots);
        return new Result(List.copyOf(checks), history.size(), samples, expectedSamples, lost, duplicated,
                segmentStepCount[0], pastTarget[0], reasons, finalPolicy, digest(canonical));
    }

    /**
     * The Avro encoding of a snapshot with {@link #BLANKED_SNAPSHOT_FIELDS} set to "" and 0, and its maps
     * (hyperParameters, resume.returnCarry, resume.rewardScales) in key order. Avro writes a map in the Java map's
     * iteration order, and the trainer builds hyperParameters with {@code Map.copyOf}, whose order changes with each
     * JVM's hash salt: two trainer processes encode the same content in different bytes. Sorting the entries compares
     * the content, every entry included.
     */
    static byte[] blanked(PolicySnapshot s, AvroSerde<PolicySnapshot> serde) {
        PolicySnapshot copy = PolicySnapshot.newBuilder(s).setRunId("").setCreatedAtMs(0).build();
        copy.setHyperParameters(new TreeMap<>(copy.getHyperParameters()));
        copy.getResume().setReturnCarry(new TreeMap<>(copy.getResume().getReturnCarry()));
        copy.getResume().setRewardScales(new TreeMap<>(copy.getResume().getRewardScales()));
        return serde.encode(copy);
    }

    /** SHA-256 of some bytes, in hex. */
    static String sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String digest(TreeMap<StepKey, byte[]> canonical) {
        return sha256(canonical.values().toArray(byte[][]::new));
    }

    private static String summary(List<String> problems) {
        int shown = Math.min(5, problems.size());
        return String.join("; ", problems.subList(0, shown)) + (problems.size() > shown ? "; ... (" + problems.size() + " in all)" : "");
    }

    /** Every committed record of a topic, in partition order, read up to the last stable offset. */
    private static void read(String bootstrapServers, TopicSpec<?, ?> topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "trpo-chaos-audit",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_POLICY_BYTES);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic.name(), READ_TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, READ_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic.name() + " to its end within "
                            + READ_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    each.accept(r);
                }
            }
        }
    }
}
