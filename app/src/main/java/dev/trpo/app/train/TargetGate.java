package dev.trpo.app.train;

import dev.trpo.schemas.EpisodeSummary;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.TreeSet;

/**
 * The cheap first test of {@code --target-return}: the mean return of the last {@code size} episodes that older policy
 * versions finished, in an order that does not depend on when their summaries arrived.
 *
 * <p>Episodes are ordered by (policy version of the last step, actor, episode number). In sync mode the version
 * {@code v} is trained on the steps of version {@code v - 1} only, and a segment and the summary of the episode it
 * ends are written in one streams transaction, so once the episode topic is read to its end every episode of versions
 * below {@code v} is known: {@link #meanBefore(long)} then gives the same figure in every run of a seed, whatever the
 * partitions and the timing. Before this gate, the last 10 episodes in arrival order decided which version ran the
 * evaluation, and the version a run stopped at (its final policy) depended on thread timing.
 */
final class TargetGate {
    private record Episode(long version, String actor, long episode, double episodeReturn) {
    }

    private static final Comparator<Episode> ORDER = Comparator.comparingLong(Episode::version)
            .thenComparing(Episode::actor).thenComparingLong(Episode::episode);

    private final int size;
    private final TreeSet<Episode> episodes = new TreeSet<>(ORDER);

    TargetGate(int size) {
        this.size = size;
    }

    void add(EpisodeSummary e) {
        episodes.add(new Episode(e.getPolicyVersion(), e.getActorId(), e.getEpisode(), e.getEpisodeReturn()));
    }

    /**
     * The mean return of the last {@code size} episodes whose last step was taken by a version below {@code version},
     * or NaN while there are fewer. Episodes older than those are forgotten, so the memory stays bounded.
     */
    double meanBefore(long version) {
        Deque<Episode> last = new ArrayDeque<>(size);
        for (Episode e : episodes.headSet(new Episode(version, "", Long.MIN_VALUE, 0), false)) {
            if (last.size() == size) {
                last.removeFirst();
            }
            last.addLast(e);
        }
        if (last.size() < size) {
            return Double.NaN;
        }
        Iterator<Episode> it = episodes.iterator();
        while (it.hasNext() && ORDER.compare(it.next(), last.peekFirst()) < 0) {
            it.remove();
        }
        return last.stream().mapToDouble(Episode::episodeReturn).average().orElseThrow();
    }

    /** Episodes held (for tests: the memory bound). */
    int held() {
        return episodes.size();
    }
}
