package dev.trpo.streams;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.trpo.schemas.EpisodeSummary;
import dev.trpo.schemas.Segment;
import dev.trpo.schemas.Topics;
import dev.trpo.schemas.Transition;

/** A TopologyTestDriver around the real topology and configuration, with typed topics and transition builders. */
final class TopologyFixture implements AutoCloseable {
    static final String RUN = "test-run";
    static final String ENV = "CartPole-v1";
    static final Instant START = Instant.ofEpochMilli(1_000_000);

    final StreamsSettings settings;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final TopologyTestDriver driver;
    final TestInputTopic<String, Transition> transitions;
    final TestInputTopic<byte[], byte[]> rawTransitions;
    final TestOutputTopic<String, Segment> segments;
    final TestOutputTopic<String, EpisodeSummary> episodes;
    final TestOutputTopic<byte[], byte[]> dlq;

    TopologyFixture(StreamsSettings settings, Path stateDir) {
        this.settings = settings;
        StreamsMeters meters = new StreamsMeters(registry, settings.runId(), settings.envId());
        Properties props = settings.toProperties(Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"), meters);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(StreamsTopology.build(settings, meters), props, START);
        Topics topics = settings.topics();
        transitions = driver.createInputTopic(topics.transitions().name(), new StringSerializer(), topics.transitions().valueSerde().serializer());
        rawTransitions = driver.createInputTopic(topics.transitions().name(), new ByteArraySerializer(), new ByteArraySerializer());
        segments = driver.createOutputTopic(topics.segments().name(), new StringDeserializer(), topics.segments().valueSerde().deserializer());
        episodes = driver.createOutputTopic(topics.episodes().name(), new StringDeserializer(), topics.episodes().valueSerde().deserializer());
        dlq = driver.createOutputTopic(topics.dlq().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Settings of a CartPole-shaped run with easy numbers: gamma = lambda = 0.5, segments of 4 steps, 10 s idle timeout. */
    static StreamsSettings.Builder cartPole() {
        return StreamsSettings.builder(RUN).envId(ENV).discrete(4, 2).gamma(0.5).lambda(0.5).segmentLength(4)
                .idleTimeout(java.time.Duration.ofSeconds(10));
    }

    /** A valid step: reward 1, value 0.5, action 1, policy version 0, nothing special. */
    static Transition.Builder step(String actor, long episode, int step) {
        return Transition.newBuilder().setRunId(RUN).setEnvId(ENV).setActorId(actor).setEpisode(episode).setStep(step)
                .setObservation(List.of(0.1 * step, 0.2, 0.3, 0.4)).setDiscreteAction(1).setContinuousAction(null)
                .setReward(1.0).setTerminated(false).setTruncated(false).setBehaviourLogProb(-0.69).setValue(0.5)
                .setBootstrapValue(null).setLastOfVersion(false).setPolicyVersion(0).setTimestampMs(1_000 + step);
    }

    void send(Transition.Builder... steps) {
        for (Transition.Builder b : steps) {
            Transition t = b.build();
            transitions.pipeInput(t.getActorId(), t);
        }
    }

    List<Segment> segments() {
        return segments.readValuesToList();
    }

    List<EpisodeSummary> episodes() {
        return episodes.readValuesToList();
    }

    List<TestRecord<byte[], byte[]>> deadLetters() {
        return dlq.readRecordsToList();
    }

    static String header(TestRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    double count(String name, String... tags) {
        var search = registry.find(name).tags(tags);
        return search.counter() == null ? 0 : search.counters().stream().mapToDouble(c -> c.count()).sum();
    }

    static List<Double> advantages(Segment s) {
        List<Double> out = new ArrayList<>();
        s.getSteps().forEach(x -> out.add(x.getAdvantage()));
        return out;
    }

    @Override
    public void close() {
        driver.close();
    }
}
