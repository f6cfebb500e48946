package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pods themselves: hardening, probes, resources, and the settings each process reads. */
class PodSpecTest {

    @Test
    void everyPodRunsAsUser10001WithAReadOnlyRootFilesystemAndNoCapabilities(@TempDir Path workDir) {
        Map<String, PodSpec> pods = RenderedChart.renderWithHooks(Map.of(), workDir).podSpecs();

        assertEquals(4, pods.size(), "connectors, stream processors, trainer, topic Job: " + pods.keySet());
        pods.forEach((name, pod) -> {
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), name);
            assertEquals(10001L, pod.getSecurityContext().getRunAsUser(), name);
            assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType(), name);
            assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), name);
            SecurityContext container = RenderedChart.onlyContainer(pod).getSecurityContext();
            assertEquals(Boolean.TRUE, container.getRunAsNonRoot(), name);
            assertEquals(10001L, container.getRunAsUser(), name);
            assertEquals(Boolean.TRUE, container.getReadOnlyRootFilesystem(), name);
            assertEquals(Boolean.FALSE, container.getAllowPrivilegeEscalation(), name);
            assertEquals(List.of("ALL"), container.getCapabilities().getDrop(), name);
            assertEquals("RuntimeDefault", container.getSeccompProfile().getType(), name);
        });
    }

    @Test
    void everyPodHasAWritableTmpOnAnEmptyDirAndAHomeInside(@TempDir Path workDir) {
        Map<String, PodSpec> pods = RenderedChart.renderWithHooks(Map.of("tmpDir.sizeLimit", "1Gi"), workDir).podSpecs();

        pods.forEach((name, pod) -> {
            assertEquals("1Gi", pod.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst()
                    .orElseThrow().getEmptyDir().getSizeLimit().toString(), name);
            Container container = RenderedChart.onlyContainer(pod);
            VolumeMount tmp = container.getVolumeMounts().stream().filter(m -> m.getName().equals("tmp")).findFirst()
                    .orElseThrow();
            assertEquals("/tmp", tmp.getMountPath(), name);
            assertFalse(Boolean.TRUE.equals(tmp.getReadOnly()), name);
            assertEquals("/tmp", env(container, "HOME").getValue(), name);
        });
    }

    @Test
    void longRunningContainersProbeLiveAndReadyOnTheMetricsPort() {
        RenderedChart chart = RenderedChart.render(Map.of("metrics.port", 9500));

        for (PodSpec pod : longRunning(chart)) {
            Container container = RenderedChart.onlyContainer(pod);
            assertEquals(9500, container.getPorts().get(0).getContainerPort());
            assertEquals("metrics", container.getPorts().get(0).getName());
            assertHttpProbe(container.getLivenessProbe(), "/health/live");
            assertHttpProbe(container.getReadinessProbe(), "/health/ready");
            assertHttpProbe(container.getStartupProbe(), "/health/live");
        }
    }

    @Test
    void probeTimingsComeFromTheValues() {
        Container trainer = RenderedChart.onlyContainer(RenderedChart.render(Map.of(
                "livenessProbe.failureThreshold", 9, "readinessProbe.periodSeconds", 3, "startupProbe.enabled", false))
                .trainer().getSpec().getTemplate().getSpec());

        assertEquals(9, trainer.getLivenessProbe().getFailureThreshold());
        assertEquals(3, trainer.getReadinessProbe().getPeriodSeconds());
        assertEquals(null, trainer.getStartupProbe());
    }

    @Test
    void containersHaveResourceRequestsAndLimits() {
        RenderedChart chart = RenderedChart.render(Map.of("trainer.resources.limits.memory", "3Gi"));

        for (PodSpec pod : longRunning(chart)) {
            Container container = RenderedChart.onlyContainer(pod);
            assertNotNull(container.getResources().getRequests().get("cpu"), container.getName());
            assertNotNull(container.getResources().getRequests().get("memory"), container.getName());
            assertNotNull(container.getResources().getLimits().get("memory"), container.getName());
        }
        assertEquals("3Gi", RenderedChart.onlyContainer(chart.trainer().getSpec().getTemplate().getSpec())
                .getResources().getLimits().get("memory").toString());
    }

    @Test
    void aProcessEnvironmentIdReachesTheComponentsVerbatim() {
        String env = "process:python3 /sims/arm.py --difficulty \"hard\" --rate 0.5";
        RenderedChart chart = RenderedChart.render(Map.of("run.env", env));

        Map<String, String> settings = chart.get(ConfigMap.class, "demo-trpo-pipeline-settings").getData();
        assertEquals(env, settings.get("TRPO_CONNECTOR_ENV"));
        assertEquals(env, settings.get("TRPO_TRAINER_ENV"));
        assertEquals(env, settings.get("TRPO_STREAMS_ENV"));
    }

    @Test
    void settingsReachEveryProcessAsTrpoEnvironmentVariablesFromOneConfigMap() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "run.id", "pendulum-7", "run.env", "Pendulum-v1", "run.mode", "async", "run.seed", 42,
                "connectors.actorsPerPod", 16, "connectors.stepsPerVersion", 512, "streams.gamma", 0.995,
                "streams.lambda", 0.9, "streams.segmentLength", 64, "trainer.batchSteps", 8192));

        Map<String, String> settings = chart.get(ConfigMap.class, "demo-trpo-pipeline-settings").getData();
        assertEquals("pendulum-7", settings.get("TRPO_RUN_ID"));
        assertEquals("Pendulum-v1", settings.get("TRPO_STREAMS_ENV"));
        assertEquals("Pendulum-v1", settings.get("TRPO_TRAINER_ENV"));
        assertEquals("async", settings.get("TRPO_TRAINER_MODE"));
        assertEquals("42", settings.get("TRPO_TRAINER_SEED"));
        assertEquals("3", settings.get("TRPO_STREAMS_REPLICATION_FACTOR"), "changelog topics as replicated as the run's topics");
        assertEquals("kafka:9092", settings.get("TRPO_BOOTSTRAP_SERVERS"));
        assertEquals("/etc/trpo/kafka/client.properties", settings.get("TRPO_KAFKA_CONFIG"));
        assertEquals("9404", settings.get("TRPO_METRICS_PORT"));
        assertEquals("42", settings.get("TRPO_CONNECTOR_SEED"));
        assertEquals("Pendulum-v1", settings.get("TRPO_CONNECTOR_ENV"));
        assertEquals("async", settings.get("TRPO_CONNECTOR_MODE"));
        assertEquals("16", settings.get("TRPO_CONNECTOR_ACTORS"));
        assertEquals("512", settings.get("TRPO_CONNECTOR_STEPS_PER_VERSION"));
        assertEquals("0.995", settings.get("TRPO_STREAMS_GAMMA"));
        assertEquals("0.9", settings.get("TRPO_STREAMS_LAMBDA"));
        assertEquals("64", settings.get("TRPO_STREAMS_SEGMENT_LENGTH"));
        assertEquals("/var/lib/trpo/state", settings.get("TRPO_STREAMS_STATE_DIR"));
        assertEquals("8192", settings.get("TRPO_TRAINER_BATCH_STEPS"));
        assertEquals("/etc/trpo/trainer/trainer.properties", settings.get("TRPO_TRAINER_CONFIG"));
        for (PodSpec pod : longRunning(chart)) {
            Container container = RenderedChart.onlyContainer(pod);
            assertEquals("demo-trpo-pipeline-settings", container.getEnvFrom().get(0).getConfigMapRef().getName(),
                    container.getName());
            assertMounted(container, "kafka-client", "/etc/trpo/kafka");
        }
    }

    @Test
    void anAsyncStepLimitReachesTheConnectors() {
        Map<String, String> settings = RenderedChart.render(Map.of("run.mode", "async",
                "connectors.asyncMaxStepsPerVersion", 1024, "connectors.commitIntervalMs", 500))
                .get(ConfigMap.class, "demo-trpo-pipeline-settings").getData();

        assertEquals("1024", settings.get("TRPO_CONNECTOR_ASYNC_MAX_STEPS_PER_VERSION"));
        assertEquals("500", settings.get("TRPO_CONNECTOR_COMMIT_INTERVAL_MS"));
        assertEquals("async", settings.get("TRPO_CONNECTOR_MODE"));
    }

    @Test
    void periodicEvaluationReachesTheTrainer() {
        Map<String, String> settings = RenderedChart.render(Map.of("trainer.evalEvery", 10, "trainer.evalEpisodes", 5,
                "trainer.evalParallel", 4))
                .get(ConfigMap.class, "demo-trpo-pipeline-settings").getData();

        assertEquals("10", settings.get("TRPO_TRAINER_EVAL_EVERY"));
        assertEquals("5", settings.get("TRPO_TRAINER_EVAL_EPISODES"));
        assertEquals("4", settings.get("TRPO_TRAINER_EVAL_PARALLEL"));
    }

    @Test
    void unsetTuningValuesLeaveTheFlagsToTheApplicationsDefaultsAndPresets() {
        Map<String, String> settings = RenderedChart.renderDefaults()
                .get(ConfigMap.class, "demo-trpo-pipeline-settings").getData();

        for (String key : List.of("TRPO_CONNECTOR_STEPS_PER_VERSION", "TRPO_CONNECTOR_ASYNC_MAX_STEPS_PER_VERSION", "TRPO_CONNECTOR_COMMIT_INTERVAL_MS", "TRPO_STREAMS_GAMMA", "TRPO_STREAMS_LAMBDA", "TRPO_STREAMS_SEGMENT_LENGTH",
                "TRPO_TRAINER_BATCH_STEPS", "TRPO_TRAINER_EVAL_EVERY", "TRPO_TRAINER_EVAL_EPISODES",
                "TRPO_TRAINER_EVAL_PARALLEL")) {
            assertFalse(settings.containsKey(key), key);
        }
        assertEquals("8", settings.get("TRPO_CONNECTOR_ACTORS"));
    }

    @Test
    void theTrainerRecordsTheGaeParametersTheStreamProcessorsUse() {
        RenderedChart chart = RenderedChart.render(Map.of("streams.gamma", 0.98, "streams.lambda", 0.9));

        String properties = chart.get(ConfigMap.class, "demo-trpo-pipeline-trainer-config").getData().get("trainer.properties");
        assertTrue(properties.lines().anyMatch("trpo.trainer.gamma=0.98"::equals), properties);
        assertTrue(properties.lines().anyMatch("trpo.trainer.gae-lambda=0.9"::equals), properties);
    }

    @Test
    void trainerHyperParametersAreAPropertiesFileMountedAtTheConfigPath() {
        RenderedChart chart = RenderedChart.render(Map.of("trainer.config.trpo\\.trainer\\.max-kl", 0.02));

        String properties = chart.get(ConfigMap.class, "demo-trpo-pipeline-trainer-config").getData().get("trainer.properties");
        assertTrue(properties.lines().anyMatch("trpo.trainer.max-kl=0.02"::equals), properties);
        PodSpec trainer = chart.trainer().getSpec().getTemplate().getSpec();
        assertMounted(RenderedChart.onlyContainer(trainer), "trainer-config", "/etc/trpo/trainer");
        assertEquals("demo-trpo-pipeline-trainer-config", trainer.getVolumes().stream()
                .filter(v -> v.getName().equals("trainer-config")).findFirst().orElseThrow().getConfigMap().getName());
    }

    @Test
    void eachConnectorReplicaNamesItsActorsAfterItsPod() {
        Container connector = RenderedChart.onlyContainer(RenderedChart.renderDefaults()
                .connectors().getSpec().getTemplate().getSpec());

        assertEquals("metadata.name", env(connector, "TRPO_CONNECTOR_ACTOR_ID_PREFIX").getValueFrom().getFieldRef().getFieldPath());
    }

    @Test
    void extraEnvironmentVariablesAreAppended() {
        Container connector = RenderedChart.onlyContainer(RenderedChart.render(Map.of(
                "connectors.extraEnv[0].name", "LOG_LEVEL", "connectors.extraEnv[0].value", "debug"))
                .connectors().getSpec().getTemplate().getSpec());

        assertEquals("debug", env(connector, "LOG_LEVEL").getValue());
    }

    private static List<PodSpec> longRunning(RenderedChart chart) {
        return List.of(chart.connectors().getSpec().getTemplate().getSpec(),
                chart.streams().getSpec().getTemplate().getSpec(),
                chart.trainer().getSpec().getTemplate().getSpec());
    }

    private static void assertHttpProbe(Probe probe, String path) {
        assertNotNull(probe, path);
        assertEquals(path, probe.getHttpGet().getPath());
        assertEquals("metrics", probe.getHttpGet().getPort().getStrVal());
    }

    static void assertMounted(Container container, String volume, String path) {
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " does not mount " + volume));
        assertEquals(path, mount.getMountPath(), container.getName());
        assertEquals(Boolean.TRUE, mount.getReadOnly(), container.getName() + " mounts " + volume + " read-only");
    }

    static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
    }
}
