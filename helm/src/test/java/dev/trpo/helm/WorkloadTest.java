package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What gets deployed, how many of each, and how the pieces find each other. */
class WorkloadTest {

    private static final Map<String, String> SELECTOR_KEYS_ONLY = Map.of(
            "app.kubernetes.io/name", "trpo-pipeline",
            "app.kubernetes.io/instance", RenderedChart.RELEASE);

    @Test
    void defaultsDeployTwoConnectorsTwoStreamProcessorsAndOneTrainer() {
        RenderedChart chart = RenderedChart.renderDefaults();

        assertEquals(2, chart.connectors().getSpec().getReplicas());
        assertEquals(2, chart.streams().getSpec().getReplicas());
        assertEquals(1, chart.trainer().getSpec().getReplicas());
        assertEquals(2, chart.all(Deployment.class).size());
        assertEquals(1, chart.all(StatefulSet.class).size());
    }

    @Test
    void replicaCountsFollowTheValues() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "connectors.replicaCount", 5, "streams.replicaCount", 3, "trainer.replicaCount", 0));

        assertEquals(5, chart.connectors().getSpec().getReplicas());
        assertEquals(3, chart.streams().getSpec().getReplicas());
        assertEquals(0, chart.trainer().getSpec().getReplicas(), "0 pauses training");
    }

    @Test
    void connectorsAsAStatefulSetGetStablePodNamesAndOtherwiseTheSamePods() {
        RenderedChart deployed = RenderedChart.renderDefaults();
        RenderedChart stateful = RenderedChart.render(Map.of("connectors.workload", "StatefulSet"));

        StatefulSet connectors = stateful.get(StatefulSet.class, "demo-trpo-pipeline-connector");
        assertEquals(1, stateful.all(Deployment.class).size(), "only the trainer stays a Deployment");
        assertEquals(2, connectors.getSpec().getReplicas());
        assertEquals("Parallel", connectors.getSpec().getPodManagementPolicy());
        assertEquals("demo-trpo-pipeline-connector", connectors.getSpec().getServiceName());
        Service governing = stateful.get(Service.class, "demo-trpo-pipeline-connector");
        assertEquals("None", governing.getSpec().getClusterIP(), "a StatefulSet's governing Service is headless");
        assertNull(deployed.get(Service.class, "demo-trpo-pipeline-connector").getSpec().getClusterIP());
        assertEquals(deployed.connectors().getSpec().getTemplate().getSpec(), connectors.getSpec().getTemplate().getSpec(),
                "the same pods, the pod name (the actor id prefix) aside");
        assertEquals(deployed.connectors().getSpec().getSelector(), connectors.getSpec().getSelector());
        assertEquals("metadata.name", RenderedChart.onlyContainer(connectors.getSpec().getTemplate().getSpec()).getEnv()
                .stream().filter(e -> e.getName().equals("TRPO_CONNECTOR_ACTOR_ID_PREFIX")).findFirst().orElseThrow()
                .getValueFrom().getFieldRef().getFieldPath());
    }

    @Test
    void trainerIsASingleReplicaReplacedByRecreateNeverRolled() {
        Deployment trainer = RenderedChart.renderDefaults().trainer();

        assertEquals(1, trainer.getSpec().getReplicas());
        assertEquals("Recreate", trainer.getSpec().getStrategy().getType());
        assertNull(trainer.getSpec().getStrategy().getRollingUpdate());
    }

    @Test
    void eachWorkloadRunsItsOwnSubcommand() {
        RenderedChart chart = RenderedChart.renderDefaults();

        assertEquals(java.util.List.of("connector"), container(chart.connectors()).getArgs());
        assertEquals(java.util.List.of("streams"), RenderedChart.onlyContainer(
                chart.streams().getSpec().getTemplate().getSpec()).getArgs());
        assertEquals(java.util.List.of("trainer"), container(chart.trainer()).getArgs());
    }

    @Test
    void streamProcessorsKeepStateInAClaimPerPodMountedAtTheStateDir() {
        StatefulSet streams = RenderedChart.render(Map.of(
                "streams.persistence.size", "5Gi", "streams.persistence.storageClass", "fast-ssd")).streams();

        PersistentVolumeClaim claim = streams.getSpec().getVolumeClaimTemplates().get(0);
        assertEquals("state", claim.getMetadata().getName());
        assertEquals("5Gi", claim.getSpec().getResources().getRequests().get("storage").toString());
        assertEquals("fast-ssd", claim.getSpec().getStorageClassName());
        assertTrue(streams.getSpec().getTemplate().getSpec().getVolumes().stream().noneMatch(v -> v.getName().equals("state")),
                "the claim, not a pod volume, backs the state");
        assertEquals("/var/lib/trpo/state", RenderedChart.onlyContainer(streams.getSpec().getTemplate().getSpec())
                .getVolumeMounts().stream().filter(m -> m.getName().equals("state")).findFirst().orElseThrow().getMountPath());
        assertEquals("demo-trpo-pipeline-streams", streams.getSpec().getServiceName());
    }

    @Test
    void streamProcessorsUseAnEmptyDirWhenPersistenceIsDisabled() {
        StatefulSet streams = RenderedChart.render(Map.of("streams.persistence.enabled", false)).streams();

        assertTrue(streams.getSpec().getVolumeClaimTemplates().isEmpty());
        Volume state = streams.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("state")).findFirst().orElseThrow();
        assertTrue(state.getEmptyDir() != null);
    }

    @Test
    void selectorsUseNameInstanceAndComponentOnlyAndResourcesCarryTheStandardLabels() {
        RenderedChart chart = RenderedChart.renderDefaults();

        for (var workload : Map.of("connector", chart.connectors().getSpec().getSelector().getMatchLabels(),
                "streams", chart.streams().getSpec().getSelector().getMatchLabels(),
                "trainer", chart.trainer().getSpec().getSelector().getMatchLabels()).entrySet()) {
            Map<String, String> expected = new java.util.HashMap<>(SELECTOR_KEYS_ONLY);
            expected.put("app.kubernetes.io/component", workload.getKey());
            assertEquals(expected, workload.getValue(), workload.getKey());
        }
        for (HasMetadata object : chart.objects()) {
            Map<String, String> labels = object.getMetadata().getLabels();
            for (String key : new String[] {"app.kubernetes.io/name", "app.kubernetes.io/instance",
                    "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart"}) {
                assertTrue(labels.containsKey(key), object.getKind() + "/" + object.getMetadata().getName() + " lacks " + key);
            }
        }
    }

    @Test
    void podTemplatesCarryTheirWorkloadsSelectorLabels() {
        RenderedChart chart = RenderedChart.renderDefaults();

        assertTrue(chart.connectors().getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(chart.connectors().getSpec().getSelector().getMatchLabels().entrySet()));
        assertTrue(chart.streams().getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(chart.streams().getSpec().getSelector().getMatchLabels().entrySet()));
        assertTrue(chart.trainer().getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(chart.trainer().getSpec().getSelector().getMatchLabels().entrySet()));
    }

    @Test
    void commonLabelsReachResourcesButNeverSelectors() {
        RenderedChart chart = RenderedChart.render(Map.of("commonLabels.team", "rl"));

        assertEquals("rl", chart.trainer().getMetadata().getLabels().get("team"));
        assertEquals("rl", chart.trainer().getSpec().getTemplate().getMetadata().getLabels().get("team"));
        assertNull(chart.trainer().getSpec().getSelector().getMatchLabels().get("team"));
    }

    @Test
    void eachComponentHasAServiceSelectingItsPodsOnTheMetricsPort() {
        RenderedChart chart = RenderedChart.render(Map.of("metrics.port", 9500));

        for (String component : new String[] {"connector", "streams", "trainer"}) {
            Service service = chart.get(Service.class, "demo-trpo-pipeline-" + component);
            assertEquals(component, service.getSpec().getSelector().get("app.kubernetes.io/component"));
            assertEquals(3, service.getSpec().getSelector().size(), "name, instance, component");
            assertEquals(1, service.getSpec().getPorts().size());
            assertEquals("metrics", service.getSpec().getPorts().get(0).getName());
            assertEquals(9500, service.getSpec().getPorts().get(0).getPort());
            assertEquals("metrics", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        }
        assertEquals("None", chart.get(Service.class, "demo-trpo-pipeline-streams").getSpec().getClusterIP(),
                "the StatefulSet's governing Service is headless");
    }

    @Test
    void connectorsAreCoveredByAPodDisruptionBudget() {
        PodDisruptionBudget budget = RenderedChart.render(Map.of("connectors.podDisruptionBudget.minAvailable", 2))
                .get(PodDisruptionBudget.class, "demo-trpo-pipeline-connector");

        assertEquals(2, budget.getSpec().getMinAvailable().getIntVal());
        assertNull(budget.getSpec().getMaxUnavailable());
        assertEquals("connector", budget.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"));
    }

    @Test
    void podDisruptionBudgetCanBeTurnedOff() {
        RenderedChart chart = RenderedChart.render(Map.of("connectors.podDisruptionBudget.enabled", false));

        assertTrue(chart.all(PodDisruptionBudget.class).isEmpty());
    }

    @Test
    void aSettingsChangeRollsThePodsThroughTheirConfigChecksum() {
        String before = RenderedChart.renderDefaults().connectors().getSpec().getTemplate().getMetadata()
                .getAnnotations().get("checksum/config");
        String after = RenderedChart.render(Map.of("connectors.actorsPerPod", 16)).connectors().getSpec().getTemplate()
                .getMetadata().getAnnotations().get("checksum/config");

        assertNotEquals(before, after);
    }

    @Test
    void imageTagDefaultsToTheAppVersionAndADigestWins() {
        assertEquals("ghcr.io/trpo-kafka/trpo:0.1.0", container(RenderedChart.renderDefaults().trainer()).getImage());
        assertEquals("registry.example/trpo@sha256:abc", container(RenderedChart.render(Map.of(
                "image.repository", "registry.example/trpo", "image.digest", "sha256:abc")).trainer()).getImage());
    }

    private static io.fabric8.kubernetes.api.model.Container container(Deployment deployment) {
        return RenderedChart.onlyContainer(deployment.getSpec().getTemplate().getSpec());
    }
}
