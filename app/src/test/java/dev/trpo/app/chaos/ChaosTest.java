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
 * A short {@code trpo chaos}: an uninterrupted CartPole run, then the same run with every kind of SIGKILL (connector
 * twice, stream processors, trainer, all three at once, broker), each a real OS process restarted with its command
 * line. The topics must show nothing lost or duplicated and the final policy must equal the uninterrupted run's byte
 * for byte. On failure the run folder (logs of every process start) is kept and named in the message.
 */
class ChaosTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void killedComponentsLoseNothingAndTrainTheUninterruptedPolicy() throws Exception {
        KillPlan plan = KillPlan.parse("connector:2,streams:1,trainer:1,all:1,broker:1");
        // 3 versions a kill: versions of 2 x 128 CartPole steps come faster than a restart, and a kill that lands
        // late in a version is followed by its successor within the next one (one run of 14 versions left one out)
        ChaosSettings settings = new ChaosSettings("chaos-test", "CartPole-v1", 1, 2, 128, 3 * plan.total() + 2,
                1, plan, dir.resolve("chaos"), Duration.ofSeconds(120), Duration.ofMinutes(8),
                1, 1, ChaosSettings.MAX_DOWN_TIME);
        ChaosRun run = ChaosRun.of(settings, dir);

        run.assertEveryCheckPassed();
        ChaosReport report = run.report();
        String where = run.where();
        assertAll(
                () -> assertEquals(plan.total(), report.outcome().kills().size(), "every planned kill was made" + where),
                () -> assertEquals(0, report.audit().lost(), "no step lost" + where),
                () -> assertEquals(0, report.audit().duplicated(), "no step duplicated" + where),
                () -> assertEquals(Boolean.TRUE, report.policyIdentical(), "final policy byte-identical" + where));
    }

    @Test
    void theKillsSpreadOverTheRunAndLeaveItsEndFree() {
        int versions = ChaosSettings.minVersions(64);
        long previous = 0;
        for (int i = 0; i < 64; i++) {
            long trigger = ChaosSettings.trigger(i, 64, versions);
            assertTrue(trigger >= previous && trigger >= 1, "kill " + i + " at " + trigger);
            previous = trigger;
        }
        assertTrue(previous <= versions - 2 - versions / 5, "the last kill's trigger " + previous + " of " + versions);
        assertEquals(1, ChaosSettings.trigger(0, 1, 4));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new ChaosSettings("r", "CartPole-v1",
                1, 2, 128, 9, 1, KillPlan.parse("connector:5"), dir, Duration.ofSeconds(1), Duration.ofSeconds(1),
                1, 1, Duration.ZERO));
    }

    @Test
    void killPlanParsesEveryTargetAndRejectsUnknownOnes() {
        KillPlan plan = KillPlan.parse("connector:5, streams:5,trainer:5,all:1,broker:1");

        assertAll(
                () -> assertEquals(17, plan.total()),
                () -> assertEquals(5, plan.count(KillPlan.Target.STREAMS)),
                () -> assertEquals("connector:5,streams:5,trainer:5,all:1,broker:1", plan.toString()),
                () -> assertEquals(0, KillPlan.parse("none").total()),
                () -> assertEquals(17, plan.shuffled(new java.util.Random(1)).size()),
                () -> assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> KillPlan.parse("zookeeper:1")).getMessage().contains("connector, streams, trainer, all, broker")));
    }
}
