package dev.trpo.kafka.embedded;

import java.util.function.Consumer;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one real embedded broker per test class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * ... KAFKA.bootstrapServers() ...
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {
    private final Consumer<EmbeddedKafka.Builder> customizer;
    private EmbeddedKafka broker;

    public EmbeddedKafkaExtension() {
        this(b -> { });
    }

    /** A broker with extra settings (SASL listeners, ACLs, ...). */
    public EmbeddedKafkaExtension(Consumer<EmbeddedKafka.Builder> customizer) {
        this.customizer = customizer;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder();
        customizer.accept(builder);
        broker = builder.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    public String bootstrapServers() {
        if (broker == null) {
            throw new IllegalStateException("the embedded broker is not running: register the extension as a static field");
        }
        return broker.bootstrapServers();
    }

    public EmbeddedKafka broker() {
        return broker;
    }
}
