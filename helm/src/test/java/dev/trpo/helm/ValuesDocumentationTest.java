package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every value in values.yaml has a {@code ## @param <path> <description>} line (Bitnami readme-generator style), on
 * itself or on a map above it documented as a whole (e.g. {@code resources.requests}), and every such line names a value.
 */
class ValuesDocumentationTest {

    private static final Pattern PARAM = Pattern.compile("^\\s*## @param (\\S+)(.*)$", Pattern.MULTILINE);

    @Test
    void everyValueIsDocumentedAndEveryParamNamesAValue() throws IOException {
        String text = Files.readString(RenderedChart.CHART.resolve("values.yaml"));
        Map<?, ?> values = new KubernetesSerialization().unmarshal(text, Map.class);
        Set<String> documented = new TreeSet<>();
        Matcher m = PARAM.matcher(text);
        while (m.find()) {
            assertTrue(documented.add(m.group(1)), "documented twice: " + m.group(1));
            assertTrue(m.group(2).trim().length() > 3, "no description: " + m.group(1));
        }

        Set<String> undocumented = new TreeSet<>();
        Set<String> existing = new TreeSet<>();
        walk("", values, documented, undocumented, existing);

        assertEquals(Set.of(), undocumented, "values without a ## @param line");
        Set<String> unknown = new TreeSet<>(documented);
        unknown.removeAll(existing);
        assertEquals(Set.of(), unknown, "## @param lines naming no value");
    }

    private static void walk(String prefix, Map<?, ?> map, Set<String> documented, Set<String> undocumented,
            Set<String> existing) {
        map.forEach((key, value) -> {
            String path = prefix + key;
            existing.add(path);
            if (documented.contains(path)) {
                return;
            }
            if (value instanceof Map<?, ?> child && !child.isEmpty()) {
                walk(path + ".", child, documented, undocumented, existing);
            } else {
                undocumented.add(path);
            }
        });
    }
}
