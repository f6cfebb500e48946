package dev.trpo.app.watch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.trpo.app.train.ReturnWindow;
import dev.trpo.schemas.EpisodeEnding;
import dev.trpo.schemas.EpisodeSummary;
import dev.trpo.schemas.PolicySnapshot;

/**
 * What a run has published so far, as read back from its topics: one entry per policy version (steps, counters, time)
 * and the finished episodes. The returns at version {@code v} are those of the episodes that versions below {@code v}
 * finished, in (version, actor, episode) order, so the figures do not depend on the order the topics were read in.
 */
final class RunHistory {
    /** A published version. */
    record Version(long version, long totalSteps, long updates, long rejectedUpdates, long staleSamplesDropped,
                   long createdAtMs) {
    }

    /** The figures of a run at one version. */
    record Point(Version version, long episodes, double meanReturn10, double meanReturn100) {
    }

    private record Episode(long version, String actor, long episode, double episodeReturn) {
    }

    private static final Comparator<Episode> ORDER = Comparator.comparingLong(Episode::version)
            .thenComparing(Episode::actor).thenComparingLong(Episode::episode);

    private final TreeMap<Long, Version> versions = new TreeMap<>();
    private final List<Episode> episodes = new ArrayList<>();
    private boolean sorted = true;
    private String envId;

    void add(PolicySnapshot s) {
        envId = s.getEnvId();
        versions.put(s.getVersion(), new Version(s.getVersion(), s.getCounters().getTotalSteps(),
                s.getCounters().getUpdates(), s.getCounters().getRejectedUpdates(),
                s.getCounters().getStaleSamplesDropped(), s.getCreatedAtMs()));
    }

    void add(EpisodeSummary e) {
        if (e.getEnding() == EpisodeEnding.ABANDONED || e.getEnding() == EpisodeEnding.RESTARTED) {
            return; // its actor went silent or started over: no return to count
        }
        Episode ep = new Episode(e.getPolicyVersion(), e.getActorId(), e.getEpisode(), e.getEpisodeReturn());
        sorted = sorted && (episodes.isEmpty() || ORDER.compare(episodes.get(episodes.size() - 1), ep) <= 0);
        episodes.add(ep);
    }

    /** The environment of the newest snapshot, or null before one was read. */
    String envId() {
        return envId;
    }

    /** The versions read, oldest first. */
    List<Version> versions() {
        return List.copyOf(versions.values());
    }

    /** The newest version read, or null. */
    Version newest() {
        Map.Entry<Long, Version> e = versions.lastEntry();
        return e == null ? null : e.getValue();
    }

    /** Finished episodes read (abandoned ones aside). */
    long episodeCount() {
        return episodes.size();
    }

    /** The figures at {@code v}: the episodes older versions finished. */
    Point at(Version v) {
        if (!sorted) {
            episodes.sort(ORDER);
            sorted = true;
        }
        int lo = 0; // the episodes of versions below v.version(): binary search over the ordered versions
        int hi = episodes.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (episodes.get(mid).version() < v.version()) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return new Point(v, lo, ReturnWindow.meanOfLast(lo, 10, i -> episodes.get(i).episodeReturn()),
                ReturnWindow.meanOfLast(lo, 100, i -> episodes.get(i).episodeReturn()));
    }
}
