package dev.trpo.app.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * How many times to SIGKILL each target, parsed from {@code --kills 'connector:5,streams:5,trainer:5,all:1,broker:1'}
 * ({@code none} for an uninterrupted run; {@code streams-lost:N} needs several stream-processor instances).
 *
 * @param counts kills per target; a target left out is never killed
 */
public record KillPlan(Map<Target, Integer> counts) {
    /** What one kill hits. */
    public enum Target {
        /** The connector process (the actors). */
        CONNECTOR,
        /** The stream processors' process. */
        STREAMS,
        /** The trainer process. */
        TRAINER,
        /** Connector, stream processors and trainer at the same moment. */
        ALL,
        /** The Kafka broker (the other processes keep running and must ride it out). */
        BROKER,
        /**
         * One of several stream-processor instances, restarted only after the run made a version without it: its
         * partitions must move to the others once its session times out.
         */
        STREAMS_LOST;

        /** The lower-case name used on the command line and in reports, e.g. {@code streams-lost}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public KillPlan {
        counts = Map.copyOf(counts);
    }

    /** An uninterrupted run. */
    public static KillPlan none() {
        return new KillPlan(Map.of());
    }

    /**
     * Parses {@code target:count[,target:count...]} or {@code none}.
     *
     * @throws IllegalArgumentException naming the bad item and the accepted targets
     */
    public static KillPlan parse(String spec) {
        if (spec == null || spec.isBlank() || spec.strip().equalsIgnoreCase("none")) {
            return none();
        }
        Map<Target, Integer> counts = new EnumMap<>(Target.class);
        for (String item : spec.split(",")) {
            String[] parts = item.strip().split(":");
            if (parts.length != 2) {
                throw new IllegalArgumentException("--kills item '" + item.strip() + "' is not target:count (targets: "
                        + targets() + ")");
            }
            Target target;
            try {
                target = Target.valueOf(parts[0].strip().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--kills target '" + parts[0].strip() + "' is unknown: one of " + targets());
            }
            int count;
            try {
                count = Integer.parseInt(parts[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--kills count '" + parts[1].strip() + "' of " + target.label()
                        + " is not a whole number");
            }
            if (count < 0 || count > 10_000) {
                throw new IllegalArgumentException("--kills count of " + target.label() + " must be in [0, 10000], got " + count);
            }
            if (counts.containsKey(target)) {
                throw new IllegalArgumentException("--kills names " + target.label() + " twice");
            }
            counts.put(target, count);
        }
        return new KillPlan(counts);
    }

    /** Kills of one target. */
    public int count(Target target) {
        return counts.getOrDefault(target, 0);
    }

    /** Kills of every target together. */
    public int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Every kill once, in an order drawn from {@code random} (so the kinds interleave). */
    public List<Target> shuffled(Random random) {
        List<Target> out = new ArrayList<>();
        for (Target t : Target.values()) {
            out.addAll(Collections.nCopies(count(t), t));
        }
        Collections.shuffle(out, random);
        return out;
    }

    /** The plan as it is written on the command line. */
    @Override
    public String toString() {
        if (total() == 0) {
            return "none";
        }
        List<String> items = new ArrayList<>();
        for (Target t : Target.values()) {
            if (count(t) > 0) {
                items.add(t.label() + ":" + count(t));
            }
        }
        return String.join(",", items);
    }

    private static String targets() {
        List<String> names = new ArrayList<>();
        for (Target t : Target.values()) {
            names.add(t.label());
        }
        return String.join(", ", names);
    }
}
