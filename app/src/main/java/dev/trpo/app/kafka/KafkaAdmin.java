package dev.trpo.app.kafka;

import java.util.HashMap;
import java.util.Map;

/** Admin client settings that fail fast instead of retrying for minutes against a wrong address. */
public final class KafkaAdmin {
    private KafkaAdmin() {
    }

    public static Map<String, Object> withTimeouts(Map<String, Object> props) {
        Map<String, Object> p = new HashMap<>(props);
        p.putIfAbsent("default.api.timeout.ms", "30000");
        p.putIfAbsent("request.timeout.ms", "15000");
        return p;
    }
}
