package dev.trpo.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The chart rendered by real Helm (in-process, through helm-java) and parsed into typed fabric8 objects.
 * Kinds fabric8 has no model for (the ServiceMonitor) come back as {@code GenericKubernetesResource}.
 */
final class RenderedChart {

    /** The chart under test; Maven runs the tests from the module folder {@code helm/}. */
    static final Path CHART = Path.of("trpo-pipeline").toAbsolutePath();
    static final String RELEASE = "demo";
    static final String NAMESPACE = "rl";
    /** The smallest set of values the chart accepts: it deploys against an existing cluster only. */
    static final Map<String, Object> MINIMAL_VALUES = Map.of("kafka.bootstrapServers", "kafka:9092");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final String yaml;
    private final List<HasMetadata> objects;

    private RenderedChart(String yaml, List<HasMetadata> objects) {
        this.yaml = yaml;
        this.objects = objects;
    }

    /** Renders with {@link #MINIMAL_VALUES} plus {@code overrides} (Helm --set semantics). */
    static RenderedChart render(Map<String, Object> overrides) {
        Map<String, Object> values = new LinkedHashMap<>(MINIMAL_VALUES);
        values.putAll(overrides);
        return renderExactly(values);
    }

    static RenderedChart renderDefaults() {
        return render(Map.of());
    }

    /** Renders with exactly these values on top of values.yaml; Helm's error surfaces as an exception. */
    static RenderedChart renderExactly(Map<String, Object> values) {
        return renderChart(CHART, values);
    }

    /**
     * Renders a copy of the chart in which the {@code helm.sh/hook*} annotation keys are renamed
     * {@code unhooked.test/hook*}. helm-java's template, unlike the helm CLI, returns the release manifest without the
     * hooks; renamed, the hook resources (the topic Job and its ConfigMap) render like any other, annotations included.
     */
    static RenderedChart renderWithHooks(Map<String, Object> overrides, Path workDir) {
        Map<String, Object> values = new LinkedHashMap<>(MINIMAL_VALUES);
        values.putAll(overrides);
        Path copy = ChartCopy.of(CHART, workDir).replaceInTemplates(HOOK_ANNOTATION_PREFIX, UNHOOKED_PREFIX).path();
        return renderChart(copy, values);
    }

    static final String HOOK_ANNOTATION_PREFIX = "helm.sh/hook";
    static final String UNHOOKED_PREFIX = "unhooked.test/hook";

    private static RenderedChart renderChart(Path chart, Map<String, Object> values) {
        TemplateCommand command = Helm.template(chart.toString()).withName(RELEASE).withNamespace(NAMESPACE);
        values.forEach(command::set);
        String yaml = command.call();
        return new RenderedChart(yaml, parse(yaml));
    }

    private static List<HasMetadata> parse(String yaml) {
        Object parsed = SERIALIZATION.unmarshal(yaml);
        List<HasMetadata> result = new ArrayList<>();
        if (parsed instanceof List<?> list) {
            for (Object item : list) {
                if (item != null) {
                    result.add((HasMetadata) item);
                }
            }
        } else if (parsed != null) {
            result.add((HasMetadata) parsed);
        }
        return List.copyOf(result);
    }

    String yaml() {
        return yaml;
    }

    List<HasMetadata> objects() {
        return objects;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    List<HasMetadata> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.getKind())).collect(Collectors.toList());
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name
                + " among " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }

    Deployment connectors() {
        return get(Deployment.class, "demo-trpo-pipeline-connector");
    }

    StatefulSet streams() {
        return get(StatefulSet.class, "demo-trpo-pipeline-streams");
    }

    Deployment trainer() {
        return get(Deployment.class, "demo-trpo-pipeline-trainer");
    }

    Job topicsJob() {
        return get(Job.class, "demo-trpo-pipeline-topics");
    }

    /** Every pod template of the chart, by workload name: connectors, stream processors, trainer, topic Job. */
    Map<String, PodSpec> podSpecs() {
        Map<String, PodSpec> specs = new LinkedHashMap<>();
        all(Deployment.class).forEach(d -> specs.put(d.getMetadata().getName(), d.getSpec().getTemplate().getSpec()));
        all(StatefulSet.class).forEach(s -> specs.put(s.getMetadata().getName(), s.getSpec().getTemplate().getSpec()));
        all(Job.class).forEach(j -> specs.put(j.getMetadata().getName(), j.getSpec().getTemplate().getSpec()));
        return specs;
    }

    static Container onlyContainer(PodSpec spec) {
        if (spec.getContainers().size() != 1) {
            throw new AssertionError("expected one container, got " + spec.getContainers().size());
        }
        return spec.getContainers().get(0);
    }
}
