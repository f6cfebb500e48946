package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

/**
 * {@code helm lint --strict}: warnings count as failures. Lint renders with the chart's own values.yaml, in Helm's
 * lint mode, where {@code fail} (the missing bootstrap servers) is reported at INFO level instead of stopping.
 */
class ChartLintTest {

    @Test
    void lintPassesInStrictMode() {
        LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();

        assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
    }
}
