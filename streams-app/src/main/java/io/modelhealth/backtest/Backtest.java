package io.modelhealth.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.CallParser;
import io.modelhealth.telemetry.OutcomeClassifier;
import io.modelhealth.telemetry.ParseResult;
import io.modelhealth.telemetry.RouteIds;
import io.modelhealth.topology.HealthTopology;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code backtest}: the very same topology over a file of {@code llm.call.v1} JSON lines (or a
 * {@code kcat} dump of {@code llm.calls}, gzip or not: {@link BacktestInput}; or OTLP/JSON trace requests
 * as the Collector's {@code file} exporter writes them: {@link OtlpLines}), no broker. Every output record
 * is written as one JSON line
 * {@code {"topic", "key", "timestamp", "value"}}; the summary counts incidents and reroutes and
 * measures detection (first failing call of an incident → the decision, in event time).
 * Same input ⇒ same output, byte for byte: output timestamps are event times, ids derive from them.
 */
public final class Backtest {

    /** What a backtest found. {@code detections}: per incident, seconds from its first error ({@link IncidentClocks}) to the decision. */
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

    private final RouteIds routeIds;
    private final OutcomeClassifier classifier;

    public Backtest(AppConfig config, String configVersion) {
        this.config = config;
        this.configVersion = configVersion;
        this.routeIds = new RouteIds(config.telemetry().routeIncludesRegion());
        this.classifier = new OutcomeClassifier(config.classes());
    }

    /**
     * Sees what a run reads and writes, as it happens: for a report, a comparison or a progress
     * line. {@code output} gets every output record in the order of the JSON lines.
     */
    public interface Listener {
        default void input(long eventTimeMs) {
        }

        default void output(Replay.Output o) {
        }

        /** Both listeners, this one first. */
        default Listener and(Listener other) {
            Listener self = this;
            return new Listener() {
                @Override
                public void input(long eventTimeMs) {
                    self.input(eventTimeMs);
                    other.input(eventTimeMs);
                }

                @Override
                public void output(Replay.Output o) {
                    self.output(o);
                    other.output(o);
                }
            };
        }
    }

    /** Runs the input as {@link #run(BacktestInput, Writer, Listener)} and keeps what it decided, named {@code name}. */
    public Recording record(String name, BacktestInput in, Writer out, Listener listener) throws IOException {
        Recording recording = new Recording(name, configVersion);
        recording.finish(run(in, out, recording.recorder().and(listener)));
        return recording;
    }

    /** Runs the input lines through the topology, writing every output record to {@code out}. */
    public Summary run(BufferedReader in, Writer out) throws IOException {
        return run(BacktestInput.of(in), out, new Listener() { });
    }

    /**
     * Runs the input through the topology, writing every output record to {@code out} (null: write
     * none) and showing each input and output to {@code listener}.
     */
    public Summary run(BacktestInput in, Writer out, Listener listener) throws IOException {
        long dead = 0;
        long outputs = 0;
        int incidents = 0;
        long reroutes = 0;
        long restores = 0;
        long alertsFiring = 0;
        List<Detection> detections = new ArrayList<>();
        IncidentClocks clocks = new IncidentClocks();
        // A route's state record is re-sent, previous_state unchanged, when its scopes, blast radius or reroute
        // change: only a change of state against the last record is an incident's start or end.
        Map<String, HealthState> lastState = new HashMap<>();
        Replay replay = null;
        OtlpLines otlp = null;
        long lastTs = 0;
        try (ReadAhead ahead = new ReadAhead(in)) {
            ReadAhead.Item item;
            while ((item = ahead.next()) != null) {
                BacktestInput.Record record = item.record();
                // A Collector file-exporter line is an OTLP/JSON request: replayed into the OTLP source as it is.
                boolean spans = item.otlpRequest();
                if (spans && otlp == null && replay == null) {
                    otlp = new OtlpLines(config);
                }
                spans = spans && otlp != null;
                Probe p = spans ? probe(otlp.read(new String(record.value(), StandardCharsets.UTF_8), lastTs), clocks)
                        : item.probe() != null ? item.probe() : item.invalidProbe(lastTs);
                if (replay == null) {
                    replay = new Replay(otlp == null ? config : otlp.config(), configVersion, Instant.ofEpochMilli(p.timestamp()),
                            HealthMetrics.noop(), HealthTopology.StateStores.EPHEMERAL);
                }
                lastTs = Math.max(lastTs, p.timestamp());
                listener.input(p.timestamp());
                if (p.route() != null) {
                    clocks.call(p.route(), p.failing(), p.timestamp());
                }
                byte[] key = p.route() == null ? record.key() : p.route().getBytes(StandardCharsets.UTF_8);
                List<Replay.Output> produced = spans ? replay.otlp(null, record.value(), p.timestamp())
                        : replay.call(key, record.value(), p.timestamp(), item.parsed());
                for (Replay.Output o : produced) {
                    outputs++;
                    write(o, out);
                    listener.output(o);
                    if (o.topic().equals(config.topics().deadLetters())) {
                        dead++;
                    } else if (o.value() instanceof RouteStatus s) {
                        HealthState before = lastState.put(s.route(), s.state());
                        if (s.state() == before) {
                            continue;
                        }
                        if (s.state() == HealthState.UNAVAILABLE || s.state() == HealthState.BLOCKED) {
                            boolean fresh = before == null || !before.isUnhealthy();
                            if (fresh) {
                                incidents++;
                                Long first = clocks.incidentStart(s.route(), s.evidence());
                                if (first != null) {
                                    detections.add(new Detection(s.route(), s.state(), s.since(),
                                            (s.since().toEpochMilli() - first) / 1000.0,
                                            s.evidence() == null ? "override" : s.evidence().rule()));
                                }
                            }
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
                    listener.output(o);
                }
            }
        } finally {
            if (replay != null) {
                replay.close();
            }
        }
        if (out != null) {
            out.flush();
        }
        return new Summary(in.lines(), dead, outputs, incidents, reroutes, restores, alertsFiring, detections);
    }

    private static void write(Replay.Output o, Writer out) throws IOException {
        if (out == null) {
            return;
        }
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

    /**
     * When each route's current incident began, per outcome class: an error starts a run of its class
     * when none of the route's last {@value #CLEAN_CALLS} calls had that class, and a detection is
     * timed from the start of the run of the class its rule counts ({@code policy_block.consecutive} →
     * policy_block; no rule: the earliest run). Background noise before an incident — a 401 here, a
     * 500 there — neither starts its clock early nor, of another class, makes it look slow to detect.
     */
    static final class IncidentClocks {

        /** At a 1 % background error rate a run restarts after 82 % of errors; at an 80 % outage, after 1 in 10^14. */
        static final int CLEAN_CALLS = 20;

        /** One route: its calls so far, and per class {start of the run (event time), index of the class's last error}. */
        private static final class Clock {
            long calls;
            final Map<OutcomeClass, long[]> runs = new EnumMap<>(OutcomeClass.class);
        }

        private final Map<String, Clock> routes = new HashMap<>();

        /** One call of {@code route}; {@code failing}: its class when it counts against the model, else null. */
        void call(String route, OutcomeClass failing, long timestamp) {
            Clock clock = routes.computeIfAbsent(route, r -> new Clock());
            long n = clock.calls++;
            if (failing == null) {
                return;
            }
            long[] run = clock.runs.get(failing);
            if (run == null) {
                clock.runs.put(failing, new long[] {timestamp, n});
                return;
            }
            if (n - run[1] > CLEAN_CALLS) {
                run[0] = timestamp;
            }
            run[1] = n;
        }

        /** The start of the incident a decision with this evidence detected; null when the route had no error. */
        Long incidentStart(String route, io.modelhealth.schemas.Evidence evidence) {
            Clock clock = routes.get(route);
            Map<OutcomeClass, long[]> byClass = clock == null ? null : clock.runs;
            if (byClass == null || byClass.isEmpty()) {
                return null;
            }
            if (evidence != null && evidence.rule() != null) {
                String prefix = evidence.rule().split("\\.", 2)[0];
                for (var e : byClass.entrySet()) {
                    if (e.getKey().wireName().equals(prefix)) {
                        return e.getValue()[0];
                    }
                }
            }
            return byClass.values().stream().mapToLong(r -> r[0]).min().getAsLong();
        }
    }

    /** What the replay needs from an input before the topology sees it: time, route, the failing class (null: none). */
    private record Probe(long timestamp, String route, OutcomeClass failing) {
    }

    /** An OTLP/JSON request line: its time; each of its calls goes to its route's incident clocks. */
    private Probe probe(OtlpLines.Batch batch, IncidentClocks clocks) {
        for (io.modelhealth.schemas.LlmCall c : batch.calls()) {
            OutcomeClass cls = classifier.classify(c);
            clocks.call(routeIds.of(c), cls.countsAgainstModel() ? cls : null, c.timestamp().toEpochMilli());
        }
        return new Probe(batch.timestamp(), null, null);
    }

    /** A parsed call line's probe, or null when it is not a valid call. */
    private static Probe probe(ParseResult r, OutcomeClassifier classifier, RouteIds routeIds) {
        if (!r.isValid()) {
            return null;
        }
        OutcomeClass c = classifier.classify(r.call());
        return new Probe(r.call().timestamp().toEpochMilli(), routeIds.of(r.call()), c.countsAgainstModel() ? c : null);
    }

    /**
     * Reads the input and probes its call lines on a thread of its own, a few thousand lines ahead of the replay:
     * reading, decoding and the probe's parse were a tenth of a backtest's single thread, and the machine has
     * another core. The replay still takes the records one by one in file order, so the output does not change.
     */
    private final class ReadAhead implements AutoCloseable {

        /**
         * A record, whether it is an OTLP/JSON request, and for call lines the parse (which the replay hands the
         * topology: it parses no line twice) and the probe, null when it is not a valid call.
         */
        record Item(BacktestInput.Record record, boolean otlpRequest, ParseResult parsed, Probe probe) {
            /** An invalid call line: the topology will dead-letter it; it stays in time order with its neighbours. */
            Probe invalidProbe(long lastTs) {
                return new Probe(lastTs, null, null);
            }
        }

        private static final int BATCH = 1_024;
        private static final List<Item> END = List.of();

        private final java.util.concurrent.BlockingQueue<List<Item>> queue = new java.util.concurrent.ArrayBlockingQueue<>(8);
        private final Thread thread;
        private volatile Throwable failure;
        private List<Item> batch = List.of();
        private int next;
        private boolean ended;

        ReadAhead(BacktestInput in) {
            // Its own parser, classifier and route ids: the replay thread uses the backtest's for OTLP lines.
            CallParser parser = new CallParser(config.telemetry().maxRecordBytes());
            OutcomeClassifier classifier = new OutcomeClassifier(config.classes());
            RouteIds routeIds = new RouteIds(config.telemetry().routeIncludesRegion());
            this.thread = new Thread(() -> {
                List<Item> items = new ArrayList<>(BATCH);
                try {
                    BacktestInput.Record r;
                    while ((r = in.next()) != null) {
                        boolean otlpRequest = r.format() == BacktestInput.Format.CALL && OtlpLines.isRequest(
                                new String(r.value(), 0, Math.min(r.value().length, 64), StandardCharsets.UTF_8));
                        ParseResult parsed = otlpRequest ? null : parser.parse(r.value());
                        items.add(new Item(r, otlpRequest, parsed, parsed == null ? null : probe(parsed, classifier, routeIds)));
                        if (items.size() == BATCH) {
                            queue.put(items);
                            items = new ArrayList<>(BATCH);
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable e) {
                    // The lines read before the failure are replayed first, as they were before it was read ahead.
                    failure = e;
                }
                try {
                    if (!items.isEmpty()) {
                        queue.put(items);
                    }
                    queue.put(END);
                } catch (InterruptedException ignored) {
                    // closing
                }
            }, "backtest-read-ahead");
            thread.setDaemon(true);
            thread.start();
        }

        /** The next record, or null at the end of the input; rethrows what reading it failed with. */
        Item next() throws IOException {
            while (next == batch.size()) {
                if (ended) {
                    return null;
                }
                try {
                    batch = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reading the input");
                }
                next = 0;
                if (batch == END) {
                    ended = true;
                    Throwable f = failure;
                    if (f instanceof IOException io) {
                        throw io;
                    } else if (f instanceof RuntimeException re) {
                        throw re;
                    } else if (f instanceof Error er) {
                        throw er;
                    }
                    return null;
                }
            }
            return batch.get(next++);
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }
}
