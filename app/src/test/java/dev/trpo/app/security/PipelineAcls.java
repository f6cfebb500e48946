package dev.trpo.app.security;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import dev.trpo.schemas.Topics;

/**
 * The least ACLs each component of a run needs, one principal per component: the list
 * {@code docs/operations.md} gives as {@code kafka-acls} commands. Only the trainer may write the policies and
 * policy-history topics.
 */
final class PipelineAcls {
    /** The principal Kafka's ACLs name for a SCRAM user. */
    static String principal(String user) {
        return "User:" + user;
    }

    private PipelineAcls() {
    }

    /** {@code trpo topics create}: create and describe the run's topics. */
    static List<AclBinding> topicJob(String user, Topics topics) {
        List<AclBinding> acls = new ArrayList<>();
        ResourcePattern prefix = new ResourcePattern(ResourceType.TOPIC, "trpo." + topics.runId() + ".", PatternType.PREFIXED);
        acls.add(allow(user, prefix, AclOperation.CREATE));
        acls.add(allow(user, prefix, AclOperation.DESCRIBE));
        return acls;
    }

    /**
     * {@code trpo connector}: write transitions and checkpoints in transactions (transactional ids with prefix
     * {@code trpo.<run>.connector.}), read its checkpoints back and the policies (no consumer group).
     */
    static List<AclBinding> connector(String user, Topics topics) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(topic(user, topics.transitions().name(), AclOperation.WRITE, AclOperation.DESCRIBE));
        acls.addAll(topic(user, topics.checkpoints().name(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE));
        acls.addAll(topic(user, topics.policies().name(), AclOperation.READ, AclOperation.DESCRIBE));
        ResourcePattern txn = new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "trpo." + topics.runId() + ".connector.",
                PatternType.PREFIXED);
        acls.add(allow(user, txn, AclOperation.WRITE));
        acls.add(allow(user, txn, AclOperation.DESCRIBE));
        acls.add(idempotentWrite(user));
        return acls;
    }

    /**
     * {@code trpo streams}: read transitions (and the policies, for the environment's shape); write segments,
     * episodes and dlq; everything on its internal topics, group and transactional ids (prefix = application id).
     */
    static List<AclBinding> streams(String user, Topics topics, String applicationId) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(topic(user, topics.transitions().name(), AclOperation.READ, AclOperation.DESCRIBE));
        acls.addAll(topic(user, topics.policies().name(), AclOperation.READ, AclOperation.DESCRIBE));
        for (String out : List.of(topics.segments().name(), topics.episodes().name(), topics.dlq().name())) {
            acls.addAll(topic(user, out, AclOperation.WRITE, AclOperation.DESCRIBE));
        }
        acls.add(allow(user, new ResourcePattern(ResourceType.TOPIC, applicationId, PatternType.PREFIXED), AclOperation.ALL));
        ResourcePattern group = new ResourcePattern(ResourceType.GROUP, applicationId, PatternType.LITERAL);
        acls.add(allow(user, group, AclOperation.READ));
        acls.add(allow(user, group, AclOperation.DESCRIBE));
        ResourcePattern txn = new ResourcePattern(ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED);
        acls.add(allow(user, txn, AclOperation.WRITE));
        acls.add(allow(user, txn, AclOperation.DESCRIBE));
        acls.add(idempotentWrite(user));
        return acls;
    }

    /**
     * {@code trpo trainer}: read segments and policies (to resume); write policies, policy-history and dlq; its group
     * and transactional id {@code trpo.<run>.trainer}.
     */
    static List<AclBinding> trainer(String user, Topics topics, String clientId) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(topic(user, topics.segments().name(), AclOperation.READ, AclOperation.DESCRIBE));
        acls.addAll(topic(user, topics.policies().name(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE));
        acls.addAll(topic(user, topics.policyHistory().name(), AclOperation.WRITE, AclOperation.DESCRIBE));
        acls.addAll(topic(user, topics.dlq().name(), AclOperation.WRITE, AclOperation.DESCRIBE));
        ResourcePattern group = new ResourcePattern(ResourceType.GROUP, clientId, PatternType.LITERAL);
        acls.add(allow(user, group, AclOperation.READ));
        acls.add(allow(user, group, AclOperation.DESCRIBE));
        ResourcePattern txn = new ResourcePattern(ResourceType.TRANSACTIONAL_ID, clientId, PatternType.LITERAL);
        acls.add(allow(user, txn, AclOperation.WRITE));
        acls.add(allow(user, txn, AclOperation.DESCRIBE));
        acls.add(idempotentWrite(user));
        return acls;
    }

    /** {@code trpo watch}: read policy-history and episodes (no consumer group). */
    static List<AclBinding> watcher(String user, Topics topics) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(topic(user, topics.policyHistory().name(), AclOperation.READ, AclOperation.DESCRIBE));
        acls.addAll(topic(user, topics.episodes().name(), AclOperation.READ, AclOperation.DESCRIBE));
        return acls;
    }

    private static List<AclBinding> topic(String user, String name, AclOperation... operations) {
        ResourcePattern pattern = new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL);
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation op : operations) {
            acls.add(allow(user, pattern, op));
        }
        return acls;
    }

    /** Since Kafka 3.0 WRITE on a topic implies it; granted anyway for clusters that still check it. */
    private static AclBinding idempotentWrite(String user) {
        return allow(user, new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                AclOperation.IDEMPOTENT_WRITE);
    }

    private static AclBinding allow(String user, ResourcePattern pattern, AclOperation op) {
        return new AclBinding(pattern, new AccessControlEntry(principal(user), "*", op, AclPermissionType.ALLOW));
    }
}
