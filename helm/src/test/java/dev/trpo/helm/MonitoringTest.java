package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The opt-in ServiceMonitor and the Grafana dashboard. */
class MonitoringTest {

    @Test
    void noServiceMonitorUnlessAskedFor() {
        assertTrue(RenderedChart.renderDefaults().ofKind("ServiceMonitor").isEmpty());
    }

    @Test
    void serviceMonitorScrapesTheMetricsPortOfEveryComponentService() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "metrics.serviceMonitor.enabled", true, "metrics.serviceMonitor.interval", "15s",
                "metrics.serviceMonitor.labels.release", "kube-prometheus-stack"));

        List<HasMetadata> monitors = chart.ofKind("ServiceMonitor");
        assertEquals(1, monitors.size());
        GenericKubernetesResource monitor = (GenericKubernetesResource) monitors.get(0);
        assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
        assertEquals("kube-prometheus-stack", monitor.getMetadata().getLabels().get("release"));
        Map<String, Object> matchLabels = monitor.get("spec", "selector", "matchLabels");
        assertEquals(Map.of("app.kubernetes.io/name", "trpo-pipeline", "app.kubernetes.io/instance", "demo"), matchLabels);
        List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
        assertEquals("metrics", endpoints.get(0).get("port"));
        assertEquals("/metrics", endpoints.get(0).get("path"));
        assertEquals("15s", endpoints.get(0).get("interval"));
        chart.all(io.fabric8.kubernetes.api.model.Service.class).forEach(service -> assertTrue(
                service.getMetadata().getLabels().entrySet().containsAll(matchLabels.entrySet()),
                service.getMetadata().getName() + " is selected"));
    }

    @Test
    void dashboardConfigMapIsPickedUpByTheGrafanaSidecar() {
        ConfigMap dashboard = RenderedChart.renderDefaults().get(ConfigMap.class, "demo-trpo-pipeline-dashboard");

        assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals(1, dashboard.getData().size());
    }

    @Test
    void dashboardPlotsTheTrainingDataFlowAndLagMetrics() throws Exception {
        ConfigMap dashboard = RenderedChart.renderDefaults().get(ConfigMap.class, "demo-trpo-pipeline-dashboard");

        JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("trpo-pipeline.json"));
        assertEquals("trpo-pipeline", json.get("uid").asText());
        List<String> expressions = new ArrayList<>();
        json.get("panels").forEach(panel -> {
            if (panel.has("targets")) {
                panel.get("targets").forEach(target -> expressions.add(target.get("expr").asText()));
            }
        });
        String all = String.join("\n", expressions);
        for (String metric : List.of("trpo_trainer_policy_version", "trpo_trainer_update_kl", "trpo_connector_episode_return",
                "rate(trpo_connector_transitions_total", "trpo_streams_dlq_records_total",
                "trpo_trainer_stale_samples_dropped_total", "kafka_consumer_fetch_manager_records_lag_max",
                "trpo_eval_return", "trpo_eval_best_return", "rate(trpo_connector_env_seconds_total",
                "trpo_connector_episode_outcomes_total{outcome=\"success\"", "trpo_eval_success_rate")) {
            assertTrue(all.contains(metric), "no panel on " + metric);
        }
        assertTrue(all.contains("sum by (reason) (rate(trpo_streams_dlq_records_total"), "dead letters by reason");
    }

    @Test
    void dashboardCanBeLeftOut() {
        assertFalse(RenderedChart.render(Map.of("metrics.dashboard.enabled", false))
                .find(ConfigMap.class, "demo-trpo-pipeline-dashboard").isPresent());
    }
}
