package io.modelhealth.topology;

import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.TopicSpec;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The app's topics, typed, with the names from {@code topics.*} config, and the spec the
 * {@code topics} command creates and checks them against (docs/design.md "Topics", README "Topics").
 *
 * @param calls       {@code llm.calls}: raw bytes in, the app parses them itself so nothing can fail to deserialize
 * @param deadLetters {@code llm.calls.dlq}: keyed by the original key bytes
 * @param overrides   {@code model.health.overrides}: raw bytes too, operators write it by hand
 * @param scopedReroutes {@code model.reroute.commands.scoped}: commands for one scope of a route, keyed {@code route|field=value},
 *                    apart from the route-wide ones so that a consumer that knows only those never applies them to all traffic
 */
public record AppTopics(
        Topic<byte[], byte[]> calls,
        Topic<byte[], DeadLetter> deadLetters,
        Topic<String, HealthWindow> windows,
        Topic<String, Anomaly> anomalies,
        Topic<String, RouteStatus> state,
        Topic<String, Alert> alerts,
        Topic<String, RerouteCommand> reroutes,
        Topic<byte[], byte[]> overrides,
        Topic<String, RerouteCommand> scopedReroutes) {

    public static AppTopics from(AppConfig.Topics names) {
        return new AppTopics(
                new Topic<>(names.calls(), Serdes.ByteArray(), Serdes.ByteArray()),
                new Topic<>(names.deadLetters(), Serdes.ByteArray(), ContractSerdes.DEAD_LETTER),
                new Topic<>(names.windows(), Serdes.String(), ContractSerdes.HEALTH_WINDOW),
                new Topic<>(names.anomalies(), Serdes.String(), ContractSerdes.ANOMALY),
                new Topic<>(names.state(), Serdes.String(), ContractSerdes.ROUTE_STATUS),
                new Topic<>(names.alerts(), Serdes.String(), ContractSerdes.ALERT),
                new Topic<>(names.reroutes(), Serdes.String(), ContractSerdes.REROUTE_COMMAND),
                new Topic<>(names.overrides(), Serdes.ByteArray(), Serdes.ByteArray()),
                new Topic<>(names.scopedReroutes(), Serdes.String(), ContractSerdes.REROUTE_COMMAND));
    }

    /**
     * {@code otlp.topic}: the OpenTelemetry Collector kafka exporter's {@code ExportTraceServiceRequest}s, raw
     * bytes (protobuf or OTLP/JSON per {@code otlp.encoding}), keyed by nothing or by trace id.
     */
    public static Topic<byte[], byte[]> otlp(AppConfig.Otlp otlp) {
        return new Topic<>(otlp.topic(), Serdes.ByteArray(), Serdes.ByteArray());
    }

    /** Every topic this configuration reads or writes: {@link #specs(AppConfig.Topics)}, and the OTLP topic when enabled. */
    public static List<TopicSpec> specs(AppConfig config) {
        List<TopicSpec> specs = new java.util.ArrayList<>(specs(config.topics()));
        if (config.otlp().enabled()) {
            // As the calls topic: it is input, read once, kept a week for replays.
            specs.add(spec(config.otlp().topic(), config.topics().partitions(), config.topics().replicationFactor(),
                    "delete", Duration.ofDays(7)));
        }
        return List.copyOf(specs);
    }

    /** Every topic the app reads or writes, as docs/design.md and the README's Topics table specify them (retention, compaction). */
    public static List<TopicSpec> specs(AppConfig.Topics t) {
        int p = t.partitions();
        int rf = t.replicationFactor();
        return List.of(
                spec(t.calls(), p, rf, "delete", Duration.ofDays(7)),
                spec(t.deadLetters(), p, rf, "delete", Duration.ofDays(30)),
                spec(t.windows(), p, rf, "delete", Duration.ofDays(7)),
                spec(t.anomalies(), p, rf, "delete", Duration.ofDays(30)),
                spec(t.state(), p, rf, "compact", null),
                spec(t.alerts(), p, rf, "delete", Duration.ofDays(30)),
                spec(t.reroutes(), p, rf, "compact", null),
                spec(t.overrides(), p, rf, "compact", null),
                spec(t.scopedReroutes(), p, rf, "compact", null));
    }

    private static TopicSpec spec(String name, int partitions, int rf, String cleanup, Duration retention) {
        TopicSpec s = TopicSpec.of(name, partitions, rf).withConfig("cleanup.policy", cleanup);
        if (retention != null) {
            s = s.withConfig("retention.ms", Long.toString(retention.toMillis()));
        }
        if ("compact".equals(cleanup)) {
            // Compacted topics are read from the beginning by every new routing service: keep the dirty
            // head short so a restarted consumer does not replay hours of superseded commands.
            s = s.withConfig("min.compaction.lag.ms", "0").withConfig("segment.ms", Long.toString(Duration.ofHours(1).toMillis()));
        }
        return s;
    }
}
