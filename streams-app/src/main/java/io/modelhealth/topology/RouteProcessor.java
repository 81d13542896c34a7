package io.modelhealth.topology;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.Durations;
import io.modelhealth.health.HealthOutputs;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.health.RouteState;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.reroute.FleetView;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.OutcomeClassifier;
import io.modelhealth.telemetry.RouteIds;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * route id → {@link RouteEvent} (a call or an override) ⇒ route id → {@link HealthEvent}s.
 *
 * <p>Adapts {@link RouteHealth} to Kafka Streams: one read and one write of the route's
 * {@link RouteState} per record, duplicates dropped by event id, and a wall-clock punctuator that
 * evaluates routes that have gone quiet (their event time is estimated as last event time plus the
 * wall time since, so a replay that drives the wall clock with event time decides the same way).
 * Output records carry the event time of the evidence as their timestamp.
 */
public final class RouteProcessor implements Processor<String, RouteEvent, String, HealthEvent> {

    public static final String STATE_STORE = "route-state";
    public static final String DEDUP_STORE = "seen-events";
    public static final String FLEET_STORE = "fleet-state";

    /** A route quiet for this long (wall clock) stops being exported as metrics; its state stays. */
    private static final long FORGET_METRICS_AFTER_MS = Duration.ofHours(1).toMillis();
    /** Live states kept per task (see {@link #live}): a steady-state route is ~1-2 KB of heap as objects. */
    static final int MAX_LIVE_STATES = 1024;

    private final AppConfig config;
    private final RouteHealth engine;
    private final OutcomeClassifier classifier;
    private final RouteIds routeIds;
    private final HealthMetrics metrics;
    private final long dedupMs;
    private final long punctuateMs;
    private final String[] ratioWindows;
    private final long[] ratioWindowMs;

    private ProcessorContext<String, HealthEvent> context;
    private KeyValueStore<String, RouteState> store;
    private WindowStore<String, Long> seen;
    private FleetView fleet;
    /**
     * Most routes' states as live objects, least recently used first. Every change is still written to
     * the store at once (changelog, interactive queries and the fleet view see it as before), but the next
     * call of a hot route does not read its state back through the serde: that read was the largest single
     * cost per call (~30 % of the stream thread, JFR). Bounded, since a live state is a few KB. Emptied in
     * {@link #init}: a task that restarts (after an exactly-once abort, say) restores its store from the
     * changelog, and the store is then the truth.
     */
    private final Map<String, RouteState> live = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RouteState> eldest) {
            return size() > MAX_LIVE_STATES;
        }
    };
    /** Wall time each local route last had a call; rebuilt from the store after a restart or rebalance. */
    private final Map<String, Long> lastSeenWall = new HashMap<>();
    private boolean indexed;
    /** Wall time this processor started watching its routes (init after a start, restart or rebalance). */
    private long watchingSince;
    private final Forwarder forwarder = new Forwarder();

    public RouteProcessor(AppConfig config, String configVersion, HealthMetrics metrics) {
        this.config = config;
        this.engine = new RouteHealth(config, configVersion);
        this.classifier = new OutcomeClassifier(config.classes());
        this.routeIds = new RouteIds(config.telemetry().routeIncludesRegion());
        this.metrics = metrics;
        this.dedupMs = config.telemetry().dedupWindow().toMillis();
        this.punctuateMs = config.windows().punctuateInterval().toMillis();
        Duration shortW = config.detection().degraded().window();
        Duration longW = config.longestWindow();
        this.ratioWindows = new String[]{Durations.format(shortW), Durations.format(longW)};
        this.ratioWindowMs = new long[]{shortW.toMillis(), longW.toMillis()};
    }

    @Override
    public void init(ProcessorContext<String, HealthEvent> context) {
        this.context = context;
        this.live.clear();
        this.store = context.getStateStore(STATE_STORE);
        this.seen = dedupMs > 0 ? context.getStateStore(DEDUP_STORE) : null;
        this.fleet = new LocalFirstFleetView(store, new StoreFleetView(context.getStateStore(FLEET_STORE)));
        // This task watches its routes from now on; whatever happened while no instance ran it is not silence.
        this.watchingSince = context.currentSystemTimeMs();
        context.schedule(Duration.ofMillis(punctuateMs), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, RouteEvent> record) {
        String route = record.key();
        if (route == null) {
            return;
        }
        RouteEvent event = record.value();
        long wallNow = context.currentSystemTimeMs();
        forwarder.count = 0;
        if (event.isOverride()) {
            RouteState s = load(route, null);
            engine.onOverride(s, event.override(), record.timestamp(), fleet, forwarder);
            store.put(route, s);
            return;
        }
        LlmCall call = event.call();
        long ts = record.timestamp();
        if (isDuplicate(call.eventId(), ts)) {
            metrics.duplicate();
            return;
        }
        OutcomeClass cls = classifier.classify(call);
        metrics.call(route, cls);
        RouteState s = load(route, call);
        forwarder.windowsClosed = false;
        engine.onCall(s, call, cls, ts, wallNow, fleet, forwarder);
        store.put(route, s);
        exportHeld(s);
        lastSeenWall.put(route, wallNow);
        if (forwarder.windowsClosed) {
            exportRatios(s);
        }
    }

    /**
     * True when the event id was seen at an event time within {@code telemetry.dedup-window} of
     * {@code ts}. Ids are filed under the start of their window-long time slot, with their exact event
     * time as the value: any earlier sighting within the window lies in this slot or a neighbour, so a
     * check is three point reads (RocksDB's bloom filters answer "absent" cheaply) instead of a range
     * scan, which opened an iterator on every segment it touched and was ~40 % of the CPU per call in a
     * backlog drain. (Ids filed by exact time, before this layout, are not found for the one window
     * after an upgrade.)
     */
    private boolean isDuplicate(String eventId, long ts) {
        if (seen == null) {
            return false;
        }
        long slot = Math.floorDiv(ts, dedupMs) * dedupMs;
        for (long at = slot - dedupMs; at <= slot + dedupMs; at += dedupMs) {
            Long seenAt = seen.fetch(eventId, at);
            if (seenAt != null && Math.abs(seenAt - ts) <= dedupMs) {
                return true;
            }
        }
        seen.put(eventId, ts, slot);
        return false;
    }

    /** The route's state, or a fresh one named after the call (or, for an override, the route id). */
    private RouteState load(String route, LlmCall call) {
        RouteState s = stored(route);
        if (s != null) {
            return s;
        }
        s = call != null ? engine.newState(route, call.provider(), call.model())
                : engine.newState(route, RouteIds.provider(route), routeIds.modelOf(route));
        live.put(route, s);
        return s;
    }

    /** The route's state as last written to the store (a live copy if there is one), or null. */
    private RouteState stored(String route) {
        RouteState s = live.get(route);
        if (s == null) {
            s = store.get(route);
            if (s != null) {
                live.put(route, s);
            }
        }
        return s;
    }

    @Override
    public void close() {
        live.clear();
        // The task is leaving this instance (rebalance, shutdown): its routes' gauges would otherwise
        // stay frozen here while the new owner exports the live ones.
        lastSeenWall.keySet().forEach(metrics::forgetRoute);
    }

    private void punctuate(long wallNow) {
        if (!indexed) {
            try (KeyValueIterator<String, RouteState> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<String, RouteState> kv = it.next();
                    lastSeenWall.put(kv.key, Math.max(kv.value.lastCallWall(), watchingSince));
                }
            }
            indexed = true;
        }
        for (Iterator<Map.Entry<String, Long>> it = lastSeenWall.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (wallNow - e.getValue() < punctuateMs) {
                continue;
            }
            RouteState s = stored(e.getKey());
            if (s == null) {
                it.remove();
                continue;
            }
            forwarder.count = 0;
            forwarder.windowsClosed = false;
            engine.onTick(s, RouteHealth.estimatedEventTime(s, wallNow, watchingSince), fleet, forwarder);
            if (forwarder.count > 0) {
                store.put(e.getKey(), s);
            } else {
                // A tick with no outcome is not persisted (as ever): drop the live copy it changed, so
                // the route's next input starts from the stored state.
                live.remove(e.getKey());
            }
            exportHeld(s);
            if (forwarder.windowsClosed) {
                exportRatios(s);
            }
            if (s.state() == HealthState.IDLE && wallNow - e.getValue() > FORGET_METRICS_AFTER_MS) {
                metrics.forgetRoute(e.getKey());
            }
        }
    }

    private void exportHeld(RouteState s) {
        metrics.held(s.route(), s.panicHeld() ? HealthMetrics.Held.PANIC_GUARD : s.noFallback() ? HealthMetrics.Held.NO_FALLBACK : null);
    }

    private void exportRatios(RouteState s) {
        for (int i = 0; i < ratioWindows.length; i++) {
            var sum = engine.window(s, ratioWindowMs[i]);
            for (OutcomeClass c : OutcomeClass.values()) {
                if (c != OutcomeClass.SUCCESS && c != OutcomeClass.CLIENT) {
                    metrics.errorRatio(s.route(), c, ratioWindows[i], sum.ratio(c));
                }
            }
        }
    }

    /** Forwards the engine's outputs downstream, stamped with their event time, and counts them. */
    private final class Forwarder implements HealthOutputs {
        int count;
        boolean windowsClosed;

        private void forward(String key, HealthEvent event, long ts) {
            count++;
            context.forward(new Record<>(key, event, ts));
        }

        @Override
        public void window(HealthWindow window, long ts) {
            windowsClosed = true;
            metrics.window(window);
            forward(window.route(), new HealthEvent.WindowClosed(window), ts);
        }

        @Override
        public void anomaly(Anomaly anomaly, long ts) {
            forward(anomaly.route(), new HealthEvent.AnomalyChanged(anomaly), ts);
        }

        @Override
        public void state(RouteStatus status, long ts) {
            metrics.state(status.route(), status.state());
            forward(status.route(), new HealthEvent.StateChanged(status), ts);
        }

        @Override
        public void command(RerouteCommand command, long ts) {
            metrics.reroute(command.route(), command.action().name(), command.reason());
            forward(command.route(), new HealthEvent.CommandIssued(command), ts);
        }

        @Override
        public void alert(Alert alert, long ts) {
            metrics.alert(alert.labels().get("alertname"), alert.labels().get("severity"), alert.status());
            forward(alert.fingerprint(), new HealthEvent.AlertChanged(alert), ts);
        }

        @Override
        public void late(String route) {
            metrics.late();
        }

        @Override
        public void detected(String route, String rule, double seconds) {
            metrics.detected(seconds);
        }
    }
}
