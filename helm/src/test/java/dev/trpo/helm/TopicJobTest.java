package dev.trpo.helm;

import static dev.trpo.helm.PodSpecTest.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topic-creation Job: a pre-install and pre-upgrade hook that needs nothing the release creates. */
class TopicJobTest {

    @Test
    void topicsAreCreatedByAHookBeforeInstallAndUpgrade(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(Map.of(), workDir);

        Map<String, String> job = chart.topicsJob().getMetadata().getAnnotations();
        assertEquals("pre-install,pre-upgrade", job.get(RenderedChart.UNHOOKED_PREFIX));
        assertEquals("before-hook-creation,hook-succeeded", job.get(RenderedChart.UNHOOKED_PREFIX + "-delete-policy"));
        Map<String, String> config = chart.get(ConfigMap.class, "demo-trpo-pipeline-topics-kafka-client")
                .getMetadata().getAnnotations();
        assertEquals("pre-install,pre-upgrade", config.get(RenderedChart.UNHOOKED_PREFIX));
        assertTrue(Integer.parseInt(config.get(RenderedChart.UNHOOKED_PREFIX + "-weight"))
                < Integer.parseInt(job.get(RenderedChart.UNHOOKED_PREFIX + "-weight")), "its client config exists first");
    }

    @Test
    void theJobCarriesItsSettingsInlineAndMountsItsOwnClientConfig(@TempDir Path workDir) {
        Job job = RenderedChart.renderWithHooks(Map.of(
                "run.id", "acrobot", "topics.partitions", 12, "topics.replicationFactor", 2), workDir).topicsJob();

        Container container = RenderedChart.onlyContainer(job.getSpec().getTemplate().getSpec());
        assertEquals(List.of("topics", "create"), container.getArgs());
        assertEquals("acrobot", env(container, "TRPO_RUN_ID").getValue());
        assertEquals("12", env(container, "TRPO_PARTITIONS").getValue());
        assertEquals("2", env(container, "TRPO_REPLICATION_FACTOR").getValue());
        assertEquals("kafka:9092", env(container, "TRPO_BOOTSTRAP_SERVERS").getValue());
        assertEquals("/etc/trpo/kafka/client.properties", env(container, "TRPO_KAFKA_CONFIG").getValue());
        assertTrue(container.getEnvFrom().isEmpty(), "the settings ConfigMap does not exist yet on install");
        assertEquals("demo-trpo-pipeline-topics-kafka-client", job.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("kafka-client")).findFirst().orElseThrow().getConfigMap().getName());
        assertEquals("Never", job.getSpec().getTemplate().getSpec().getRestartPolicy());
    }

    @Test
    void topicCreationCanBeLeftToSomethingElse(@TempDir Path workDir) {
        RenderedChart chart = RenderedChart.renderWithHooks(Map.of("topics.create", false), workDir);

        assertTrue(chart.all(Job.class).isEmpty());
        assertTrue(chart.find(ConfigMap.class, "demo-trpo-pipeline-topics-kafka-client").isEmpty());
    }

    @Test
    void withoutTheRenamingTheHookResourcesStayOutOfTheReleaseManifest() {
        RenderedChart chart = RenderedChart.renderDefaults();

        assertTrue(chart.all(Job.class).isEmpty(), "Helm runs the Job as a hook, not as part of the release");
    }
}
