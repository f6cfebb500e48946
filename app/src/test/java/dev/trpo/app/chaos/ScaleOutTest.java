package dev.trpo.app.chaos;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sync run spread over processes: 4 actors in two connector processes ({@code --first-actor 0} and {@code 2}) and
 * two stream-processor instances on 4 partitions, one of which is SIGKILLed and stays away until the run has made a
 * version without it (its partitions move to the other), and one connector SIGKILLed and restarted. The topics must
 * show every version trained from all 4 actors' steps, each once, and the final policy must be byte-identical to the
 * same seed's run with all 4 actors in one connector and one stream processor.
 */
class ScaleOutTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void actorsSpreadOverConnectorsAndStreamInstancesTrainWhatOneProcessTrains() throws Exception {
        KillPlan plan = KillPlan.parse("streams-lost:1,connector:1");
        ChaosSettings settings = new ChaosSettings("scale-out", "CartPole-v1", 3, 4, 64, 8, 4, plan, dir.resolve("spread"),
                Duration.ofSeconds(120), Duration.ofMinutes(6), 2, 2, ChaosSettings.MAX_DOWN_TIME);
        ChaosRun run = ChaosRun.of(settings, dir);

        run.assertEveryCheckPassed();
        ChaosReport report = run.report();
        String where = run.where();
        assertAll(
                () -> assertEquals(2, report.outcome().kills().size(), "both kills made" + where),
                () -> assertEquals(8L * 4 * 64, report.audit().samples(), "every version trained on all 4 actors' steps" + where),
                () -> assertEquals(Boolean.TRUE, report.policyIdentical(), "the one-process run's final policy" + where));
    }

    @Test
    void theActorsAreSplitInIndexOrder() {
        ChaosSettings s = new ChaosSettings("split", "CartPole-v1", 1, 7, 8, 2, 1, KillPlan.none(), dir,
                Duration.ofSeconds(1), Duration.ofSeconds(1), 3, 1, Duration.ZERO);
        assertEquals(java.util.List.of(0, 3, 5), java.util.List.of(s.firstActor(0), s.firstActor(1), s.firstActor(2)));
        assertEquals(java.util.List.of(3, 2, 2), java.util.List.of(s.actorsOf(0), s.actorsOf(1), s.actorsOf(2)));
    }
}
