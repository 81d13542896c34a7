package io.modelhealth.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.CallParser;
import io.modelhealth.telemetry.OutcomeClassifier;
import io.modelhealth.telemetry.ParseResult;
import io.modelhealth.telemetry.RouteIds;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code backtest}: the very same topology over a file of {@code llm.call.v1} JSON lines, or of
 * OTLP/JSON trace requests as the Collector's {@code file} exporter writes them ({@link OtlpLines}), no
 * broker. Every output record is written as one JSON line
 * {@code {"topic", "key", "timestamp", "value"}}; the summary counts incidents and reroutes and
 * measures detection (first failing call of an incident → the decision, in event time).
 * Same input ⇒ same output, byte for byte: output timestamps are event times, ids derive from them.
 */
public final class Backtest {

    /** What a backtest found. {@code detectionSeconds}: per incident, route → seconds from its first error to the decision. */
    public record Summary(long inputLines, long deadLetters, long outputRecords, int incidents, long reroutes,
                          long restores, long alertsFiring, List<Detection> detections) {

        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            lines.add("input lines      " + inputLines + " (" + deadLetters + " dead-lettered)");
            lines.add("output records   " + outputRecords);
            lines.add("incidents        " + incidents);
            lines.add("reroute commands " + reroutes + " REROUTE, " + restores + " RESTORE");
            lines.add("alerts fired     " + alertsFiring);
            for (Detection d : detections) {
                lines.add(String.format(java.util.Locale.ROOT, "  %-40s %-11s at %s, detected %.1f s after its first error (%s)",
                        d.route(), d.state(), d.at(), d.seconds(), d.rule()));
            }
            return lines;
        }
    }

    public record Detection(String route, HealthState state, Instant at, double seconds, String rule) {
    }

    private static final ObjectMapper JSON = Json.mapper();

    private final AppConfig config;
    private final String configVersion;

    private final CallParser parser;
    private final RouteIds routeIds;
    private final OutcomeClassifier classifier;

    public Backtest(AppConfig config, String configVersion) {
        this.config = config;
        this.configVersion = configVersion;
        this.parser = new CallParser(config.telemetry().maxRecordBytes());
        this.routeIds = new RouteIds(config.telemetry().routeIncludesRegion());
        this.classifier = new OutcomeClassifier(config.classes());
    }

    /** Runs the input through the topology, writing every output record to {@code out}. */
    public Summary run(BufferedReader in, Writer out) throws IOException {
        long lines = 0;
        long dead = 0;
        long outputs = 0;
        int incidents = 0;
        long reroutes = 0;
        long restores = 0;
        long alertsFiring = 0;
        List<Detection> detections = new ArrayList<>();
        Map<String, Long> firstError = new TreeMap<>();
        Instant start = null;
        Replay replay = null;
        OtlpLines otlp = null;
        long lastTs = 0;
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                if (replay == null && OtlpLines.isRequest(line)) {
                    otlp = new OtlpLines(config);
                }
                boolean spans = otlp != null && OtlpLines.isRequest(line);
                Probe p = spans ? probe(otlp.read(line, lastTs), firstError) : probe(line, lastTs);
                if (replay == null) {
                    start = Instant.ofEpochMilli(p.timestamp());
                    replay = new Replay(otlp == null ? config : otlp.config(), configVersion, start, HealthMetrics.noop());
                }
                lastTs = Math.max(lastTs, p.timestamp());
                if (p.route() != null && p.failing()) {
                    firstError.putIfAbsent(p.route(), p.timestamp());
                }
                List<Replay.Output> produced = spans
                        ? replay.otlp(null, line.getBytes(StandardCharsets.UTF_8), p.timestamp())
                        : replay.call(p.route() == null ? null : p.route().getBytes(StandardCharsets.UTF_8),
                                line.getBytes(StandardCharsets.UTF_8), p.timestamp());
                for (Replay.Output o : produced) {
                    outputs++;
                    write(o, out);
                    if (o.topic().equals(config.topics().deadLetters())) {
                        dead++;
                    } else if (o.value() instanceof RouteStatus s) {
                        if (s.state() == HealthState.UNAVAILABLE || s.state() == HealthState.BLOCKED) {
                            boolean fresh = s.previousState() == null || !s.previousState().isUnhealthy();
                            if (fresh) {
                                incidents++;
                                Long first = firstError.get(s.route());
                                if (first != null) {
                                    detections.add(new Detection(s.route(), s.state(), s.since(),
                                            (s.since().toEpochMilli() - first) / 1000.0,
                                            s.evidence() == null ? "override" : s.evidence().rule()));
                                }
                            }
                        } else if (s.state() == HealthState.HEALTHY) {
                            firstError.remove(s.route());
                        }
                    } else if (o.value() instanceof RerouteCommand c) {
                        if (c.action() == io.modelhealth.schemas.RerouteAction.REROUTE) {
                            reroutes++;
                        } else {
                            restores++;
                        }
                    } else if (o.value() instanceof io.modelhealth.schemas.Alert a && a.isFiring()) {
                        alertsFiring++;
                    }
                }
            }
            if (replay != null) {
                // Let the last buckets close, as they would a moment later on a live cluster.
                Duration drain = config.windows().bucket().plus(config.windows().grace()).plus(config.windows().punctuateInterval());
                for (Replay.Output o : replay.advance(drain)) {
                    outputs++;
                    write(o, out);
                }
            }
        } finally {
            if (replay != null) {
                replay.close();
            }
        }
        out.flush();
        return new Summary(lines, dead, outputs, incidents, reroutes, restores, alertsFiring, detections);
    }

    private static void write(Replay.Output o, Writer out) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("topic", o.topic());
        if (o.key() instanceof byte[] bytes) {
            node.put("key_base64", Base64.getEncoder().encodeToString(bytes));
        } else {
            node.put("key", o.key() == null ? null : o.key().toString());
        }
        node.put("timestamp", Instant.ofEpochMilli(o.timestamp()).toString());
        node.set("value", JSON.valueToTree(o.value()));
        out.write(JSON.writeValueAsString(node));
        out.write('\n');
    }

    /** What the replay needs from a line before the topology sees it: time, route, failing or not. */
    private record Probe(long timestamp, String route, boolean failing) {
    }

    /** An OTLP/JSON request line: its time; each failing call's route starts its incident clock here. */
    private Probe probe(OtlpLines.Batch batch, Map<String, Long> firstError) {
        for (io.modelhealth.schemas.LlmCall c : batch.calls()) {
            if (classifier.classify(c).countsAgainstModel()) {
                firstError.merge(routeIds.of(c), c.timestamp().toEpochMilli(), Math::min);
            }
        }
        return new Probe(batch.timestamp(), null, false);
    }

    private Probe probe(String line, long fallbackTs) {
        ParseResult r = parser.parse(line.getBytes(StandardCharsets.UTF_8));
        if (!r.isValid()) {
            // The topology will dead-letter it; keep it in time order with its neighbours.
            return new Probe(fallbackTs, null, false);
        }
        return new Probe(r.call().timestamp().toEpochMilli(), routeIds.of(r.call()),
                classifier.classify(r.call()).countsAgainstModel());
    }
}
