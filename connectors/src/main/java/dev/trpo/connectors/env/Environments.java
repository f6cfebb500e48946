package dev.trpo.connectors.env;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The registry of environments by id: the five built-ins, those of every {@link EnvironmentProvider} plug-in on the
 * classpath, any a program registers, and {@code process:<command> [args...]}, an environment in a child process
 * ({@link ProcessEnvironment}). Each {@link #create} call returns a fresh, independent instance.
 * Thread-safe.
 */
public final class Environments {

    private static final Map<String, Supplier<? extends Environment>> FACTORIES = new LinkedHashMap<>();
    private static final Set<String> BUILT_IN = Set.of(CartPole.ID, Acrobot.ID, MountainCar.ID, Pendulum.ID,
            MountainCarContinuous.ID);

    static {
        register(CartPole.ID, CartPole::new);
        register(Acrobot.ID, Acrobot::new);
        register(MountainCar.ID, MountainCar::new);
        register(Pendulum.ID, Pendulum::new);
        register(MountainCarContinuous.ID, MountainCarContinuous::new);
    }

    /** Whether the plug-ins on the classpath were registered (retried on every use until they load). */
    private static boolean pluginsLoaded;

    private static synchronized void ensurePlugins() {
        if (!pluginsLoaded) {
            loadPlugins(ServiceLoader.load(EnvironmentProvider.class, Environments.class.getClassLoader()));
            pluginsLoaded = true;
        }
    }

    /**
     * Registers the environments of every provider; a provider that cannot be loaded, or that claims a built-in id,
     * fails with a message naming it (and the fix).
     *
     * @throws IllegalArgumentException naming the provider when it cannot be loaded or claims a built-in id
     */
    static synchronized void loadPlugins(Iterable<EnvironmentProvider> providers) {
        Iterator<EnvironmentProvider> it = providers.iterator();
        while (true) {
            EnvironmentProvider provider;
            try {
                if (!it.hasNext()) {
                    return;
                }
                provider = it.next();
            } catch (ServiceConfigurationError e) {
                throw new IllegalArgumentException("an environment plug-in could not be loaded: " + e.getMessage()
                        + " (check the jars on TRPO_PLUGINS and their META-INF/services/"
                        + EnvironmentProvider.class.getName() + ")", e);
            }
            String name = provider.getClass().getName();
            Map<String, Supplier<? extends Environment>> envs = provider.environments();
            if (envs == null) {
                throw new IllegalArgumentException("environment plug-in " + name + " returned no environments (null)");
            }
            envs.forEach((id, factory) -> {
                if (BUILT_IN.contains(id)) {
                    throw new IllegalArgumentException("environment plug-in " + name + " registers '" + id
                            + "', a built-in id: give its environment an id of its own");
                }
                register(id, factory);
            });
        }
    }

    private Environments() {
    }

    /**
     * Registers an environment under an id, replacing any previous one with that id.
     *
     * @param id      the id {@link #create} accepts; must equal the created environments' {@link Environment#id()}
     * @param factory makes a new instance per call
     */
    public static synchronized void register(String id, Supplier<? extends Environment> factory) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(factory, "factory");
        if (id.isBlank()) {
            throw new IllegalArgumentException("environment id must not be blank");
        }
        FACTORIES.put(id, factory);
    }

    /** @return the registered ids, built-ins first, in registration order */
    public static synchronized List<String> ids() {
        ensurePlugins();
        return List.copyOf(FACTORIES.keySet());
    }

    /**
     * @return true when {@code id} is registered, or names a command ({@code process:<command> [args...]}, see
     *         {@link ProcessEnvironment}; whether it starts is known only once {@link #create} runs it)
     */
    public static synchronized boolean contains(String id) {
        if (ProcessEnvironment.isProcessId(id)) {
            return true;
        }
        ensurePlugins();
        return FACTORIES.containsKey(id);
    }

    /**
     * @return a new instance of the environment registered under {@code id}
     * @throws IllegalArgumentException naming the known ids when {@code id} is not registered
     */
    public static Environment create(String id) {
        if (ProcessEnvironment.isProcessId(id)) {
            return new ProcessEnvironment(id);
        }
        Supplier<? extends Environment> factory;
        synchronized (Environments.class) {
            ensurePlugins();
            factory = FACTORIES.get(id);
        }
        if (factory == null) {
            throw new IllegalArgumentException("unknown environment '" + id + "'; known: " + String.join(", ", ids())
                    + ", or " + ProcessEnvironment.PREFIX + "<command> for one in a child process");
        }
        return factory.get();
    }

    /** {@link #create(String, int, IntFunction)} with instances named {@code instance-<index>}. */
    public static List<Environment> create(String id, int count) {
        return create(id, count, i -> "instance-" + i);
    }

    /**
     * Creates {@code count} instances of {@code id}. Child processes are started and read for their spec at the same
     * time, so simulators that take long to load do so together, and each is told its instance's name and index
     * ({@link ProcessEnvironment#INSTANCE_VARIABLE}); if one cannot be created, those that were are closed and the
     * first failure (in instance order) is thrown.
     *
     * @param name the name of the instance of each index: an actor's id, say
     */
    public static List<Environment> create(String id, int count, IntFunction<String> name) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        Environment[] made = new Environment[count];
        RuntimeException[] failed = new RuntimeException[count];
        if (ProcessEnvironment.isProcessId(id) && count > 1) {
            Thread[] starters = new Thread[count];
            for (int i = 0; i < count; i++) {
                int k = i;
                starters[i] = new Thread(() -> {
                    try {
                        made[k] = new ProcessEnvironment(id, name.apply(k), k);
                    } catch (RuntimeException e) {
                        failed[k] = e;
                    }
                }, "trpo-env-start-" + i);
                starters[i].start();
            }
            for (Thread t : starters) {
                joinQuietly(t); // each ends once its process has written its spec, exited or timed out
            }
        } else {
            for (int i = 0; i < count; i++) {
                try {
                    made[i] = ProcessEnvironment.isProcessId(id) ? new ProcessEnvironment(id, name.apply(i), i) : create(id);
                } catch (RuntimeException e) {
                    failed[i] = e;
                    break;
                }
            }
        }
        for (RuntimeException e : failed) {
            if (e != null) {
                closeAll(made);
                throw e;
            }
        }
        return List.of(made);
    }

    private static void closeAll(Environment[] envs) {
        for (Environment e : envs) {
            if (e != null) {
                e.close();
            }
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return one new instance of every registered environment, in {@link #ids()} order */
    public static List<Environment> createAll() {
        List<Environment> all = new ArrayList<>();
        for (String id : ids()) {
            all.add(create(id));
        }
        return all;
    }
}
