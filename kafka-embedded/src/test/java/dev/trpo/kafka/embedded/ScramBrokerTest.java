package dev.trpo.kafka.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A broker with SCRAM-SHA-512 on its client listener and the StandardAuthorizer: who may do what. */
class ScramBrokerTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension(b -> b
            .scram("SCRAM-SHA-512", "admin", "admin-secret")
            .scramUser("alice", "alice-secret")
            .aclAuthorizer());

    /** Generous for a loaded 2-core machine; a wrong password is refused in well under a second. */
    private static final long DEADLINE_MS = 20_000;

    @Test
    void theBrokerUserIsASuperUser() throws Exception {
        try (Admin admin = Admin.create(KAFKA.clientProperties())) {
            admin.createTopics(List.of(new NewTopic("super-user-topic", 1, (short) 1))).all().get(DEADLINE_MS, TimeUnit.MILLISECONDS);
            Set<String> names = admin.listTopics().names().get(DEADLINE_MS, TimeUnit.MILLISECONDS);
            assertTrue(names.contains("super-user-topic"), "admin sees the topic it created: " + names);
        }
    }

    @Test
    void aUserWithoutAclsMayNotCreateTopicsButMayOnceAllowed() throws Exception {
        try (Admin alice = Admin.create(KAFKA.clientProperties("alice", "alice-secret"));
             Admin admin = Admin.create(KAFKA.clientProperties())) {
            ExecutionException refused = assertThrows(ExecutionException.class, () -> alice
                    .createTopics(List.of(new NewTopic("alice-topic", 1, (short) 1))).all()
                    .get(DEADLINE_MS, TimeUnit.MILLISECONDS));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());

            ResourcePattern topic = new ResourcePattern(ResourceType.TOPIC, "alice-", PatternType.PREFIXED);
            admin.createAcls(List.of(new AclBinding(topic, new AccessControlEntry("User:alice", "*",
                    AclOperation.CREATE, AclPermissionType.ALLOW)))).all().get(DEADLINE_MS, TimeUnit.MILLISECONDS);
            awaitCreated(alice, "alice-topic");
        }
    }

    @Test
    void aUserCreatedAtRunTimeCanLogIn() throws Exception {
        try (Admin admin = Admin.create(KAFKA.clientProperties())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("bob",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "bob-secret")))
                    .all().get(DEADLINE_MS, TimeUnit.MILLISECONDS);
        }
        try (Admin bob = Admin.create(KAFKA.clientProperties("bob", "bob-secret"))) {
            // Bob has no ACLs: he authenticates and sees no topics.
            assertEquals(Set.of(), bob.listTopics().names().get(DEADLINE_MS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aWrongPasswordFailsFastWithSaslAuthenticationException() {
        Map<String, Object> props = new HashMap<>(KAFKA.clientProperties("alice", "not-her-password"));
        props.put("request.timeout.ms", (int) DEADLINE_MS);
        props.put("default.api.timeout.ms", (int) DEADLINE_MS);
        long t0 = System.nanoTime();
        try (Admin alice = Admin.create(props)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> alice.listTopics().names().get(DEADLINE_MS, TimeUnit.MILLISECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
        }
        long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertTrue(millis < DEADLINE_MS / 2, "refused after " + millis + " ms, not at the client's timeout");
    }

    private static void awaitCreated(Admin client, String name) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
            try {
                // The ACL reaches the broker's authorizer through the metadata log, a moment after createAcls returns.
                client.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(DEADLINE_MS, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicAuthorizationException) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
