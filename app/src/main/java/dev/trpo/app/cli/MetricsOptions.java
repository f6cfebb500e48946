package dev.trpo.app.cli;

import picocli.CommandLine.Option;

/** The HTTP port for /metrics and /health. Use as a picocli {@code @Mixin}. */
public final class MetricsOptions {
    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "${env:TRPO_METRICS_PORT:-9404}",
            description = "Port serving /metrics (Prometheus) and /health; 0 turns it off (default ${DEFAULT-VALUE}, env TRPO_METRICS_PORT).")
    int metricsPort;

    public int metricsPort() {
        return metricsPort;
    }
}
