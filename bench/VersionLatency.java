import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import dev.trpo.schemas.*;

/**
 * Where a sync-mode version's time goes, from the record timestamps of a finished run: policy publication to the
 * first transition acting with it, first to last transition of the version, and last transition to the next
 * policy (stream processors' commit, the trainer's read and the update). Run by bench/version-latency.sh.
 * Versions 0-4 (JIT warm-up) are skipped.
 */
public class VersionLatency {
    public static void main(String[] a) {
        String bs = a[0], run = a[1];
        Topics t = Topics.forRun(run);
        Map<String,Object> p = Map.of("bootstrap.servers", bs, "isolation.level", "read_committed");
        // per version: policy publish ts, first/last transition ts, last segment ts
        TreeMap<Long,long[]> v = new TreeMap<>();
        for (var r : read(p, t.policyHistory().name())) { PolicySnapshot s = t.policyHistory().valueSerde().deserializer().deserialize("", r.value()); v.computeIfAbsent(s.getVersion(), k -> new long[]{0,Long.MAX_VALUE,0,0})[0] = r.timestamp(); }
        for (var r : read(p, t.transitions().name())) { Transition s = t.transitions().valueSerde().deserializer().deserialize("", r.value()); long[] x = v.computeIfAbsent(s.getPolicyVersion(), k -> new long[]{0,Long.MAX_VALUE,0,0}); x[1]=Math.min(x[1], r.timestamp()); x[2]=Math.max(x[2], r.timestamp()); }
        for (var r : read(p, t.segments().name())) { Segment s = t.segments().valueSerde().deserializer().deserialize("", r.value()); long[] x = v.get(s.getPolicyVersion()); x[3]=Math.max(x[3], r.timestamp()); }
        long[] sum = new long[4]; int n=0;
        for (var e : v.entrySet()) { long[] x = e.getValue(); long[] nx = v.get(e.getKey()+1); if (nx==null || e.getKey()<5) continue;
            long a1 = x[1]-x[0], a2 = x[2]-x[1], a3 = x[3]-x[2], a4 = nx[0]-x[3];
            sum[0]+=a1; sum[1]+=a2; sum[2]+=a3; sum[3]+=a4; n++; }
        // Kafka Streams stamps a segment with its input's timestamp, so the last segment's time is the last
        // transition's: the third interval runs from the last transition to the next policy.
        System.out.printf("versions=%d policy->first transition %.1f ms, first->last transition %.1f ms, last transition->next policy %.1f ms%n",
                n, sum[0] / (double) n, sum[1] / (double) n, (sum[2] + sum[3]) / (double) n);
    }
    static List<ConsumerRecord<byte[],byte[]>> read(Map<String,Object> p, String topic) {
        List<ConsumerRecord<byte[],byte[]>> out = new ArrayList<>();
        try (var c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts); c.seekToBeginning(parts); var end = c.endOffsets(parts);
            long dl = System.currentTimeMillis()+20000;
            while (System.currentTimeMillis()<dl) { c.poll(Duration.ofMillis(200)).forEach(out::add); boolean done=true; for (var tp: parts) if (c.position(tp) < end.get(tp)) done=false; if (done) break; }
        }
        return out;
    }
}
