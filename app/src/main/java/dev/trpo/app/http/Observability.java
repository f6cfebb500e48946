package dev.trpo.app.http;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The HTTP face of a process: {@code GET /metrics} in Prometheus text format (JVM, process, Kafka
 * client and the project's {@code trpo_*} metrics) and {@code /health/live}, {@code /health/ready}
 * ({@code /health} = ready) answering 200 or 503.
 */
public final class Observability implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private final JvmGcMetrics gc;
    private volatile BooleanSupplier ready = () -> false;
    private volatile boolean live = true;

    private Observability(PrometheusMeterRegistry registry, HttpServer server, JvmGcMetrics gc) {
        this.registry = registry;
        this.server = server;
        this.gc = gc;
    }

    /**
     * Creates the registry with JVM and process metrics and, unless {@code port} is 0, serves it.
     *
     * @param port TCP port on all interfaces; 0 = no HTTP server (metrics still recorded)
     */
    public static Observability start(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("metrics port " + port + " is out of range: use 0 (off) or 1-65535");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        HttpServer server = null;
        Observability obs;
        if (port > 0) {
            try {
                server = HttpServer.create(new InetSocketAddress(port), 0);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serve metrics on port " + port + " (" + e.getMessage()
                        + "): choose another with --metrics-port, or 0 to turn it off", e);
            }
            server.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "trpo-http");
                t.setDaemon(true);
                return t;
            }));
        }
        obs = new Observability(registry, server, gc);
        if (server != null) {
            server.createContext("/metrics", obs::metrics);
            server.createContext("/health/live", ex -> obs.health(ex, obs.live));
            server.createContext("/health/ready", ex -> obs.health(ex, obs.live && obs.ready.getAsBoolean()));
            server.createContext("/health", ex -> obs.health(ex, obs.live && obs.ready.getAsBoolean()));
            server.start();
        }
        return obs;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The port actually served, or 0. */
    public int port() {
        return server == null ? 0 : server.getAddress().getPort();
    }

    /** Readiness: a fixed answer. */
    public void setReady(boolean value) {
        this.ready = () -> value;
    }

    /** Readiness: asked on every probe (e.g. "the Kafka Streams instance is RUNNING"). */
    public void setReady(BooleanSupplier supplier) {
        this.ready = supplier;
    }

    /** Liveness: false once the process is stuck or failed, so Kubernetes restarts it. */
    public void setLive(boolean value) {
        this.live = value;
    }

    private void metrics(HttpExchange ex) throws IOException {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        String body = registry.scrape(accept == null ? "text/plain" : accept);
        String type = accept != null && accept.contains("application/openmetrics-text")
                ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                : "text/plain; version=0.0.4; charset=utf-8";
        respond(ex, 200, type, body);
    }

    private void health(HttpExchange ex, boolean ok) throws IOException {
        respond(ex, ok ? 200 : 503, "application/json", ok ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        gc.close();
        registry.close();
    }
}
