package dev.trpo.kafka.embedded;

import java.util.Map;
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
 *
 * // SCRAM-SHA-512 on the client listener and ACLs; "admin" is the broker's own user and a super user
 * @RegisterExtension
 * static final EmbeddedKafkaExtension SECURE = new EmbeddedKafkaExtension(b -> b
 *         .scram("SCRAM-SHA-512", "admin", "admin-secret").scramUser("alice", "alice-secret").aclAuthorizer());
 * ... SECURE.clientProperties("alice", "alice-secret") ...
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

    /** Client properties of the broker's own user: see {@link EmbeddedKafka#clientProperties()}. */
    public Map<String, Object> clientProperties() {
        bootstrapServers();
        return broker.clientProperties();
    }

    /** Client properties of a SCRAM user: see {@link EmbeddedKafka#clientProperties(String, String)}. */
    public Map<String, Object> clientProperties(String user, String password) {
        bootstrapServers();
        return broker.clientProperties(user, password);
    }

    public EmbeddedKafka broker() {
        return broker;
    }
}
