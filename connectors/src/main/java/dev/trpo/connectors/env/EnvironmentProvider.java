package dev.trpo.connectors.env;

import java.util.Map;
import java.util.function.Supplier;

/**
 * A plug-in's environments: a jar on the classpath that lists its implementation in
 * {@code META-INF/services/dev.trpo.connectors.env.EnvironmentProvider} adds them to {@link Environments} when the
 * registry is first used, so {@code trpo train}, {@code trpo connector}, {@code trpo trainer}, {@code trpo eval} and
 * {@code trpo env list} all know them (put the jar on {@code TRPO_PLUGINS} for {@code ./trpo}, or under
 * {@code /opt/trpo/plugins/} in the container image). An implementation needs a public no-argument constructor.
 */
public interface EnvironmentProvider {
    /**
     * @return factories by environment id; each call of a factory returns a new, independent instance whose
     *         {@link Environment#id()} equals its key. An id may not be one of the built-in ones.
     */
    Map<String, Supplier<? extends Environment>> environments();
}
