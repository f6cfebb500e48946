package dev.trpo.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * Every schema a reader can meet: the current ones compiled into this module and every earlier
 * version kept as a resource under {@code avro-history/} (listed in {@code avro-history/index}).
 * When a record gains a field, copy the old {@code .avsc} there first, so old records stay readable.
 */
public final class KnownSchemas {
    private static final SchemaStore.Cache STORE = build();

    private KnownSchemas() {
    }

    /** The store the serdes resolve fingerprints against. */
    public static SchemaStore store() {
        return STORE;
    }

    /** Adds a schema (for example one an external producer writes with) to the store. */
    public static void register(Schema schema) {
        STORE.addSchema(schema);
    }

    private static SchemaStore.Cache build() {
        SchemaStore.Cache cache = new SchemaStore.Cache();
        for (Schema schema : List.of(Transition.getClassSchema(), Segment.getClassSchema(),
                EpisodeSummary.getClassSchema(), PolicySnapshot.getClassSchema())) {
            cache.addSchema(schema);
        }
        try (InputStream index = KnownSchemas.class.getResourceAsStream("/avro-history/index")) {
            if (index != null) {
                for (String line : new String(index.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                    String name = line.strip();
                    if (name.isEmpty() || name.startsWith("#")) {
                        continue;
                    }
                    try (InputStream in = KnownSchemas.class.getResourceAsStream("/avro-history/" + name)) {
                        if (in == null) {
                            throw new IllegalStateException("avro-history/index names " + name + ", which is missing");
                        }
                        cache.addSchema(new Schema.Parser().parse(in));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cache;
    }
}
