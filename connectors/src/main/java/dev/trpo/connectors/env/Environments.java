package dev.trpo.connectors.env;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The registry of environments by id: the five built-ins and any a user registers. Each {@link #create} call
 * returns a fresh, independent instance. Thread-safe.
 */
public final class Environments {

    private static final Map<String, Supplier<? extends Environment>> FACTORIES = new LinkedHashMap<>();

    static {
        register(CartPole.ID, CartPole::new);
        register(Acrobot.ID, Acrobot::new);
        register(MountainCar.ID, MountainCar::new);
        register(Pendulum.ID, Pendulum::new);
        register(MountainCarContinuous.ID, MountainCarContinuous::new);
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
        return List.copyOf(FACTORIES.keySet());
    }

    /** @return true when {@code id} is registered */
    public static synchronized boolean contains(String id) {
        return FACTORIES.containsKey(id);
    }

    /**
     * @return a new instance of the environment registered under {@code id}
     * @throws IllegalArgumentException naming the known ids when {@code id} is not registered
     */
    public static Environment create(String id) {
        Supplier<? extends Environment> factory;
        synchronized (Environments.class) {
            factory = FACTORIES.get(id);
        }
        if (factory == null) {
            throw new IllegalArgumentException("unknown environment '" + id + "'; known: " + String.join(", ", ids()));
        }
        return factory.get();
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
