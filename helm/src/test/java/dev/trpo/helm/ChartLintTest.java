package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code helm lint --strict}: warnings count as failures. */
class ChartLintTest {

    /**
     * Lint renders with the chart's own values.yaml only, which names no Kafka cluster. Helm's lint mode would log the
     * validation failure at INFO (from native code, straight to the console) and carry on; a copy with a bootstrap
     * server lints the chart as users install it, silently.
     */
    @Test
    void lintPassesInStrictMode(@TempDir Path workDir) {
        Path chart = ChartCopy.of(RenderedChart.CHART, workDir)
                .replaceInValues("  bootstrapServers: \"\"\n", "  bootstrapServers: \"kafka:9092\"\n")
                .path();

        LintResult result = new Helm(chart).lint().strict().call();

        assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
    }
}
