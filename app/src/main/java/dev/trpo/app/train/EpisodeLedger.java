package dev.trpo.app.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.trpo.schemas.EpisodeEnding;
import dev.trpo.schemas.EpisodeSummary;

/**
 * The run's finished episodes placed at the environment step that ended them, for the learning figures of the run
 * folder (the curve's episode counts and windowed returns, the steps to the threshold, the last 100 episodes' return).
 *
 * <p>Summaries arrive from the episode topic in an order that depends on the partitions and the timing; placed by step
 * they give the same figures in every run of a seed. An actor's episodes tile its steps, so the k-th episode of an
 * actor ends at the sum of the lengths of its episodes 0..k. The actors of a connector step in lockstep, so that is
 * environment step {@code start + actors * local} of the run, as a vectorised environment counts them (sb3's
 * {@code num_timesteps}); ties are broken by actor id. In async mode the actors are not in lockstep and the step is an
 * estimate.
 */
final class EpisodeLedger {
    /** An episode at the environment step that ended it. */
    record Ended(long step, String actor, double episodeReturn) {
    }

    /** The windowed figures at a step: episodes ended so far, mean return of the last 10 and the last 100. */
    record Window(long episodes, double mean10, double mean100) {
    }

    private static final class Actor {
        long[] episode = new long[16];
        int[] length = new int[16];
        double[] ret = new double[16];
        int size;

        void add(long e, int len, double r) {
            if (size == episode.length) {
                episode = Arrays.copyOf(episode, size * 2);
                length = Arrays.copyOf(length, size * 2);
                ret = Arrays.copyOf(ret, size * 2);
            }
            episode[size] = e;
            length[size] = len;
            ret[size] = r;
            size++;
        }
    }

    private final long startStep;
    private final int actors;
    private final Map<String, Actor> byActor = new HashMap<>();
    private List<Ended> ordered;

    /**
     * @param startStep environment steps trained before this run (a resumed run's snapshot's), else 0
     * @param actors    the connector's actors
     */
    EpisodeLedger(long startStep, int actors) {
        this.startStep = startStep;
        this.actors = actors;
    }

    void add(EpisodeSummary e) {
        // an abandoned or restarted episode (its actor went silent or started over) took its steps but has no
        // return to count
        boolean unfinished = e.getEnding() == EpisodeEnding.ABANDONED || e.getEnding() == EpisodeEnding.RESTARTED;
        byActor.computeIfAbsent(e.getActorId(), a -> new Actor()).add(e.getEpisode(), e.getLength(),
                unfinished ? Double.NaN : e.getEpisodeReturn());
        ordered = null;
    }

    /** Every episode but the abandoned ones, by the step that ended it. */
    List<Ended> ordered() {
        if (ordered == null) {
            List<Ended> all = new ArrayList<>();
            byActor.forEach((id, a) -> {
                Integer[] idx = new Integer[a.size];
                for (int i = 0; i < a.size; i++) {
                    idx[i] = i;
                }
                Arrays.sort(idx, Comparator.comparingLong(i -> a.episode[i]));
                long local = 0;
                for (int i : idx) {
                    local += a.length[i];
                    if (Double.isNaN(a.ret[i])) {
                        continue;
                    }
                    all.add(new Ended(startStep + actors * local, id, a.ret[i]));
                }
            });
            all.sort(Comparator.comparingLong(Ended::step).thenComparing(Ended::actor));
            ordered = all;
        }
        return ordered;
    }

    /** The windowed figures over the episodes ended by {@code step} (inclusive). */
    Window at(long step) {
        List<Ended> all = ordered();
        int lo = 0; // the number of episodes ended by step: binary search over the ordered steps
        int hi = all.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (all.get(mid).step() <= step) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int n = lo;
        return new Window(n, ReturnWindow.meanOfLast(n, 10, i -> all.get(i).episodeReturn()),
                ReturnWindow.meanOfLast(n, 100, i -> all.get(i).episodeReturn()));
    }

    /**
     * The step at which the mean return of the last {@code window} episodes first reached {@code threshold} (the window
     * full), looking at the episodes ended by step {@code until}; -1 if it did not.
     */
    long stepsTo(double threshold, int window, long until) {
        List<Ended> all = ordered();
        double sum = 0;
        for (int i = 0; i < all.size() && all.get(i).step() <= until; i++) {
            sum += all.get(i).episodeReturn();
            if (i >= window) {
                sum -= all.get(i - window).episodeReturn();
            }
            if (i + 1 >= window && sum / window >= threshold) {
                return all.get(i).step();
            }
        }
        return -1;
    }
}
