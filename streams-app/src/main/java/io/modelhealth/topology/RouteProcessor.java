package io.modelhealth.topology;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.Durations;
import io.modelhealth.health.HealthOutputs;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.health.RouteState;
import io.modelhealth.health.RouteVerdict;
import io.modelhealth.health.ScopedHealth;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.DeadLetters;
import io.modelhealth.telemetry.OutcomeClassifier;
import io.modelhealth.telemetry.RouteIds;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * route id → {@link RouteEvent} (a call, an override, or an ingest task's watermark) ⇒ route id →
 * {@link HealthEvent}s (windows, anomalies, anomaly alerts, verdicts and watermarks for the fleet stage).
 *
 * <p>Adapts {@link RouteHealth} to Kafka Streams, in event-time order whatever the arrival order:
 * <ul>
 *   <li>every ingest task's progress arrives as a {@link RouteEvent.Watermark}; the <em>low
 *       watermark</em> is the least of them, leaving out partitions that said they are idle (all idle:
 *       the largest of them, then advancing with the wall clock, so a fleet that goes silent is still
 *       judged — but a broker that stalls delivers no "idle", and holds time still);</li>
 *   <li>a call ahead of the low watermark waits, in memory and in {@code pending-batches} (in order of event time, route,
 *       event id); when the low watermark advances, the calls it passed are fed to the engine in
 *       that order, so every run of the same telemetry decides the same way;</li>
 *   <li>a call behind it (within {@code windows.grace}) amends its bucket at once; a call beyond that
 *       is dead-lettered as {@code too_late};</li>
 *   <li>silent routes are evaluated at the low watermark on wall-clock punctuation.</li>
 * </ul>
 * Duplicates are dropped by event id on arrival. Every output carries the event time of the evidence
 * that caused it as its timestamp.
 */
public final class RouteProcessor implements Processor<String, RouteEvent, String, HealthEvent> {

    public static final String STATE_STORE = "route-state";
    public static final String DEDUP_STORE = "seen-events";
    public static final String FLEET_STORE = "fleet-state";
    public static final String PENDING_STORE = "pending-calls";
    public static final String BATCHES_STORE = "pending-batches";
    public static final String PROGRESS_STORE = "ingest-progress";

    /** A route IDLE for this long (event time) stops being exported as metrics; its state stays. */
    private static final long FORGET_METRICS_AFTER_MS = Duration.ofHours(1).toMillis();
    private static final String PROCESSED = "processed";

    private final RouteHealth engine;
    private final ScopedHealth scoped;
    private final OutcomeClassifier classifier;
    private final RouteIds routeIds;
    private final HealthMetrics metrics;
    private final long dedupMs;
    private final long punctuateMs;
    private final long graceMs;
    private final long idleAfterMs;
    private final long watermarkIntervalMs;
    private final int upstreams;
    private final String[] ratioWindows;
    private final long[] ratioWindowMs;

    private ProcessorContext<String, HealthEvent> context;
    private KeyValueStore<String, RouteState> store;
    private WindowStore<String, Long> seen;
    private KeyValueStore<Bytes, byte[]> pending;
    private KeyValueStore<Long, byte[]> pendingBatches;
    private KeyValueStore<String, String> progress;
    /**
     * Most routes' states as live objects, within the instance's budget shared by its route tasks. Every change
     * is still written to the store (changelog and interactive queries see it), but the next input of a hot
     * route does not read its state back through the serde. Emptied in {@link #init}: a task that restarts
     * restores its store from the changelog, and the store is then the truth.
     */
    private final LiveStates live;
    /** Units (routes and their scopes) this task owns; rebuilt from the store when the task (re)starts. */
    private final Set<String> localRoutes = new LinkedHashSet<>();
    /** How many of {@link #localRoutes} are routes (not scopes): what {@link #routeCap} bounds. */
    private int routeCount;
    private final Set<String> namedRoutes;
    private final int routeCap;
    private final long idleEvictionMs;
    /**
     * Routes recently refused for the cap, so {@code routes_dropped{reason="max_routes"}} counts routes, not their
     * calls; bounded, so a route refused again after many others may count twice.
     */
    private final Map<String, Boolean> refused = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_REFUSED_REMEMBERED;
        }
    };
    static final int MAX_REFUSED_REMEMBERED = 4096;
    private final long[] upstreamTime;
    private final boolean[] upstreamIdle;
    private final boolean[] upstreamKnown;
    /** The low watermark up to which calls have been fed to the engine. */
    private long processed = Long.MIN_VALUE;
    private long allIdleSinceWall = Long.MIN_VALUE;
    private long lastFleetMarkWall = Long.MIN_VALUE;
    private long lastFleetMark = Long.MIN_VALUE;
    /**
     * The pending calls held as objects, in key order (at most {@link #MAX_MIRRORED}): a drain reads them
     * from here, with no range scan over RocksDB and no JSON parse. Their durable copy is a few batch
     * records of {@code pending-batches} (see {@link #beforeCommit}); calls beyond the cap are stored one
     * entry each in {@code pending-calls} ({@link #spilled}) and drains scan that store for them too.
     */
    private final java.util.TreeMap<Bytes, Pending> mirror = new java.util.TreeMap<>();
    static final int MAX_MIRRORED = 200_000;
    /** Calls put in {@link #mirror} since the last commit: written as one batch record before the next. */
    private final List<Map.Entry<Bytes, Pending>> unsaved = new ArrayList<>();
    /**
     * Batch records of {@code pending-batches} still holding undrained calls, {latest event time, sequence},
     * earliest first: a commit deletes those the low watermark has passed without looking at the others (under
     * TopologyTestDriver, which commits after every record, a scan of them all was a tenth of a backtest).
     */
    private final java.util.PriorityQueue<long[]> batches = new java.util.PriorityQueue<>(
            java.util.Comparator.<long[]>comparingLong(b -> b[0]).thenComparingLong(b -> b[1]));
    private long nextBatch;
    /** A call waiting for the low watermark, and its route (the record's key). */
    private record Pending(String route, LlmCall call) {
    }

    /**
     * Whether pending calls get their durable copy in {@code pending-batches}: not with
     * {@link HealthTopology.StateStores#EPHEMERAL} stores, where no store outlives the process and a task never
     * restarts to read them back (per call, under TopologyTestDriver, a batch written and then deleted).
     */
    private final boolean saveBatches;
    /** Writes each commit's batch (reset, not rebuilt, per commit). */
    private final PendingBatch.Writer batchWriter = new PendingBatch.Writer();
    /** Calls in {@code pending-calls}, one entry each: beyond {@link #MAX_MIRRORED}, or written by a version before batches. */
    private long spilled;
    /**
     * Units (routes, scopes) changed since the last commit, written to {@code route-state} once each by
     * {@link #beforeCommit} instead of at every drain: a hot route's state is serialized once per commit.
     */
    private final Map<String, RouteState> dirty = new LinkedHashMap<>();
    /** Which ids {@code seen-events} may hold, per slot: most calls need no read of it at all. */
    private final SeenFilter seenFilter = new SeenFilter();
    private long latestSlot = Long.MIN_VALUE;
    private final Forwarder forwarder = new Forwarder();

    /**
     * @param upstreamPartitions partitions whose progress makes the low watermark (calls, and spans when OTLP is on)
     * @param routeTasks         partitions of the by-route topics: each task admits its share of {@code limits.max-routes}
     */
    public RouteProcessor(AppConfig config, String configVersion, int upstreamPartitions, int routeTasks, HealthMetrics metrics) {
        this(config, configVersion, upstreamPartitions, routeTasks, metrics, true, LiveStates.Budget.perInstance());
    }

    /**
     * @param saveBatches false for stores that do not outlive the process (see {@link #saveBatches})
     * @param liveBudget  the live-state budget this instance's route tasks share
     */
    RouteProcessor(AppConfig config, String configVersion, int upstreamPartitions, int routeTasks, HealthMetrics metrics,
                   boolean saveBatches, LiveStates.Budget liveBudget) {
        this.saveBatches = saveBatches;
        this.live = new LiveStates(liveBudget);
        this.engine = new RouteHealth(config, configVersion);
        this.scoped = new ScopedHealth(config, engine);
        this.classifier = new OutcomeClassifier(config.classes());
        this.routeIds = new RouteIds(config.telemetry().routeIncludesRegion());
        this.metrics = metrics;
        this.dedupMs = config.telemetry().dedupWindow().toMillis();
        this.punctuateMs = config.windows().punctuateInterval().toMillis();
        this.graceMs = config.windows().grace().toMillis();
        this.idleAfterMs = config.windows().idlePartitionAfter().toMillis();
        this.watermarkIntervalMs = config.windows().watermarkInterval().toMillis();
        this.upstreams = upstreamPartitions;
        this.upstreamTime = new long[upstreamPartitions];
        this.upstreamIdle = new boolean[upstreamPartitions];
        this.upstreamKnown = new boolean[upstreamPartitions];
        Duration shortW = config.detection().degraded().window();
        Duration longW = config.longestWindow();
        this.ratioWindows = new String[]{Durations.format(shortW), Durations.format(longW)};
        this.ratioWindowMs = new long[]{shortW.toMillis(), longW.toMillis()};
        this.namedRoutes = config.namedRoutes();
        // Routes hash to tasks the same way on every run, so a fixed share per task makes admission a function of
        // the telemetry alone (not of how tasks are spread over instances), and bounds every instance: one that
        // holds all the tasks holds at most about limits.max-routes.
        this.routeCap = (int) Math.ceil(config.limits().maxRoutes() / (double) Math.max(1, routeTasks));
        this.idleEvictionMs = config.limits().idleEviction().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, HealthEvent> context) {
        this.context = context;
        this.live.open();
        this.localRoutes.clear();
        this.routeCount = 0;
        this.refused.clear();
        this.store = context.getStateStore(STATE_STORE);
        // Init runs after the stores are restored: the index is right before the first input is admitted.
        try (KeyValueIterator<String, RouteState> it = store.all()) {
            while (it.hasNext()) {
                track(it.next().key);
            }
        }
        this.seen = dedupMs > 0 ? context.getStateStore(DEDUP_STORE) : null;
        seenFilter.clear();
        latestSlot = Long.MIN_VALUE;
        if (seen != null) {
            try (KeyValueIterator<org.apache.kafka.streams.kstream.Windowed<String>, Long> it = seen.all()) {
                while (it.hasNext()) {
                    var kv = it.next();
                    seenFilter.add(kv.key.window().start(), kv.key.key());
                    latestSlot = Math.max(latestSlot, kv.key.window().start());
                }
            }
        }
        this.pending = context.getStateStore(PENDING_STORE);
        this.progress = context.getStateStore(PROGRESS_STORE);
        String p = progress.get(PROCESSED);
        processed = p == null ? Long.MIN_VALUE : Long.parseLong(p);
        for (int q = 0; q < upstreams; q++) {
            String v = progress.get("p" + q);
            upstreamKnown[q] = v != null;
            if (v != null) {
                int comma = v.indexOf(',');
                upstreamTime[q] = Long.parseLong(v.substring(0, comma));
                upstreamIdle[q] = v.endsWith(",1");
            }
        }
        allIdleSinceWall = Long.MIN_VALUE;
        lastFleetMarkWall = Long.MIN_VALUE;
        lastFleetMark = Long.MIN_VALUE;
        mirror.clear();
        unsaved.clear();
        batches.clear();
        dirty.clear();
        nextBatch = 0;
        spilled = 0;
        this.pendingBatches = context.getStateStore(BATCHES_STORE);
        try (KeyValueIterator<Long, byte[]> it = pendingBatches.all()) {
            while (it.hasNext()) {
                KeyValue<Long, byte[]> kv = it.next();
                nextBatch = Math.max(nextBatch, kv.key + 1);
                long latest = PendingBatch.decode(kv.value, (ts, route, call) -> {
                    // Calls up to the low watermark were drained before the last commit: their effect is in route-state.
                    if (ts > processed) {
                        mirror.put(Bytes.wrap(pendingKey(ts, route, call.eventId())), new Pending(route, call));
                    }
                });
                batches.add(new long[] {latest, kv.key});
            }
        }
        try (KeyValueIterator<Bytes, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                it.next();
                spilled++;
            }
        }
        for (String store : new String[]{STATE_STORE, BATCHES_STORE}) {
            CommitHookStore.register(context.getStateStore(store), this::beforeCommit);
        }
        context.schedule(Duration.ofMillis(punctuateMs), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, RouteEvent> record) {
        RouteEvent event = record.value();
        if (event == null) {
            return;
        }
        if (event.isMark()) {
            onMark(event.mark());
            return;
        }
        String route = record.key();
        if (route == null) {
            return;
        }
        if (event.isOverride()) {
            // Operators act now, at the telemetry's time: an override stamped with a wall clock far ahead of
            // a backlog must not drag the route's clock ahead and make its queued calls late.
            long at = processed != Long.MIN_VALUE ? processed : record.timestamp();
            RouteState s = load(route, null);
            resetForwarder();
            engine.onOverride(s, event.override(), at, forwarder);
            dirty.put(route, s);
            return;
        }
        LlmCall call = event.call();
        long ts = record.timestamp();
        if (isDuplicate(call.eventId(), ts)) {
            metrics.duplicate();
            return;
        }
        if (!admitted(route)) {
            refuse(route, call, ts);
            return;
        }
        // The route has its place from its first call on, pending or not.
        track(route);
        OutcomeClass cls = classifier.classify(call);
        if (processed != Long.MIN_VALUE && ts <= processed) {
            // Behind the low watermark: it counts at once (its bucket is amended), or is too late.
            metrics.call(route, cls, call.latencyMs(), call.ttftMs());
            RouteState s = load(route, call);
            Touched units = new Touched();
            units.put(s);
            resetForwarder();
            if (!scoped.onCall(s, units, call, cls, ts, forwarder)) {
                tooLate(record, call, ts);
            }
            units.write();
            afterRoute(s);
            return;
        }
        Bytes key = Bytes.wrap(pendingKey(ts, route, call.eventId()));
        if (mirror.size() < MAX_MIRRORED) {
            Pending p = new Pending(route, call);
            mirror.put(key, p);
            if (saveBatches) {
                unsaved.add(Map.entry(key, p));
            }
        } else {
            pending.put(key, ContractSerdes.LLM_CALL.serialize("", call));
            spilled++;
        }
    }

    private void tooLate(Record<String, RouteEvent> record, LlmCall call, long ts) {
        deadLetter(record.key(), call, ts, DeadLetter.TOO_LATE, "call at " + Instant.ofEpochMilli(ts) + " arrived "
                + Durations.format(Duration.ofMillis(processed - ts)) + " behind the low watermark "
                + Instant.ofEpochMilli(processed) + "; windows.grace is " + Durations.format(Duration.ofMillis(graceMs)));
    }

    /** A call of the record being processed, dead-lettered with that record's coordinates. */
    private void deadLetter(String route, LlmCall call, long ts, String reason, String error) {
        byte[] key = route.getBytes(StandardCharsets.UTF_8);
        DeadLetter d = DeadLetters.of(reason, error, context.recordMetadata(), ts, key,
                ContractSerdes.LLM_CALL.serialize("", call));
        metrics.deadLetter(reason);
        context.forward(new Record<>(route, new HealthEvent.DeadLettered(d, key), Math.max(0, Math.max(processed, ts))));
    }

    // ---------------------------------------------------------------- admission (limits.max-routes)

    /**
     * Whether calls of the route may be judged: it has its place here already, the config names it, or the task
     * has room. Decided on arrival, where the call's record is at hand for its dead letter: which new routes take
     * the last places of a full task then depends on arrival order — the cap is a safety valve, not a rule.
     */
    private boolean admitted(String route) {
        return localRoutes.contains(route) || namedRoutes.contains(route) || routeCount < routeCap;
    }

    /** A call of a route over the cap: dead-lettered with its reason, so nothing is lost without a trace. */
    private void refuse(String route, LlmCall call, long ts) {
        if (refused.put(route, Boolean.TRUE) == null) {
            metrics.routeDropped(HealthMetrics.ROUTE_LIMIT);
        }
        deadLetter(route, call, ts, DeadLetter.ROUTE_LIMIT, "route " + route + " is new and this task already decides "
                + routeCount + " routes, its share of limits.max-routes; routes the config names are always admitted");
    }

    private void track(String key) {
        if (localRoutes.contains(key)) {
            return;
        }
        // Interned: the same copy of the id as the route's series and the fleet stage's entry, not one each.
        localRoutes.add(key.intern());
        if (key.indexOf(io.modelhealth.schemas.Scopes.SEPARATOR) < 0) {
            routeCount++;
        }
    }

    private void untrack(String key) {
        if (localRoutes.remove(key) && key.indexOf(io.modelhealth.schemas.Scopes.SEPARATOR) < 0) {
            routeCount--;
        }
    }

    // ---------------------------------------------------------------- the low watermark

    private void onMark(RouteEvent.Watermark m) {
        int q = m.partition();
        if (q < 0 || q >= upstreams) {
            return;
        }
        long time = upstreamKnown[q] ? Math.max(upstreamTime[q], m.time()) : m.time();
        if (upstreamKnown[q] && time == upstreamTime[q] && upstreamIdle[q] == m.idle()) {
            return;
        }
        upstreamKnown[q] = true;
        upstreamTime[q] = time;
        upstreamIdle[q] = m.idle();
        progress.put("p" + q, time + "," + (m.idle() ? 1 : 0));
        long low = lowWatermark();
        if (low == Long.MIN_VALUE) {
            return;
        }
        if (allIdle()) {
            if (allIdleSinceWall == Long.MIN_VALUE) {
                allIdleSinceWall = context.currentSystemTimeMs();
            }
        } else {
            allIdleSinceWall = Long.MIN_VALUE;
        }
        if (low > processed) {
            drainTo(low);
        }
    }

    private boolean allIdle() {
        for (int q = 0; q < upstreams; q++) {
            if (!upstreamIdle[q]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The least progress of the non-idle input partitions; when all are idle, the most any has made
     * (every call written has been read). Long.MIN_VALUE while some partition has not reported yet.
     */
    private long lowWatermark() {
        long low = Long.MAX_VALUE;
        long high = Long.MIN_VALUE;
        boolean anyActive = false;
        for (int q = 0; q < upstreams; q++) {
            if (!upstreamKnown[q]) {
                return Long.MIN_VALUE;
            }
            high = Math.max(high, upstreamTime[q]);
            if (!upstreamIdle[q]) {
                anyActive = true;
                low = Math.min(low, upstreamTime[q]);
            }
        }
        return anyActive ? low : high;
    }

    /** Feeds the engine every pending call up to {@code to}, in (event time, route, event id) order. */
    private void drainTo(long to) {
        if (!mirror.isEmpty() || spilled > 0) {
            Bytes upper = Bytes.wrap(upperKey(to));
            List<KeyValue<Bytes, Pending>> batch = new ArrayList<>();
            var head = mirror.headMap(upper, false);
            for (Map.Entry<Bytes, Pending> e : head.entrySet()) {
                batch.add(KeyValue.pair(e.getKey(), e.getValue()));
            }
            head.clear();
            if (spilled > 0) {
                List<KeyValue<Bytes, Pending>> stored = new ArrayList<>();
                try (KeyValueIterator<Bytes, byte[]> it = pending.range(null, upper)) {
                    while (it.hasNext()) {
                        KeyValue<Bytes, byte[]> kv = it.next();
                        stored.add(KeyValue.pair(kv.key, new Pending(routeOf(kv.key.get()),
                                ContractSerdes.LLM_CALL.deserialize("", kv.value))));
                    }
                }
                for (KeyValue<Bytes, Pending> kv : stored) {
                    pending.delete(kv.key);
                }
                spilled = Math.max(0, spilled - stored.size());
                if (!stored.isEmpty()) {
                    batch.addAll(stored);
                    batch.sort((x, y) -> x.key.compareTo(y.key));
                }
            }
            Touched touched = new Touched();
            for (KeyValue<Bytes, Pending> kv : batch) {
                long ts = timeOf(kv.key.get());
                String route = kv.value.route();
                LlmCall call = kv.value.call();
                RouteState s = touched.changed.get(route);
                if (s == null) {
                    s = load(route, call);
                    touched.put(s);
                }
                OutcomeClass cls = classifier.classify(call);
                metrics.call(route, cls, call.latencyMs(), call.ttftMs());
                resetForwarder();
                scoped.onCall(s, touched, call, cls, ts, forwarder);
                if (forwarder.windowsClosed) {
                    exportRatios(s);
                }
            }
            touched.write();
        }
        processed = to;
        progress.put(PROCESSED, Long.toString(to));
        long wall = context.currentSystemTimeMs();
        // The fleet task needs this task's progress to apply verdicts, but not more often than it gets ingest
        // progress itself; sent unthrottled it was one record per route task per ingest watermark.
        if (lastFleetMarkWall == Long.MIN_VALUE || wall - lastFleetMarkWall >= watermarkIntervalMs) {
            forwardFleetWatermark(wall);
        }
    }

    private void forwardFleetWatermark(long wall) {
        lastFleetMarkWall = wall;
        lastFleetMark = processed;
        context.forward(new Record<>(FleetEvent.WATERMARK_KEY_PREFIX + context.taskId().partition(),
                new HealthEvent.ToFleet(FleetEvent.watermark(context.taskId().partition(), processed)), Math.max(0, processed)));
    }

    private void punctuate(long wallNow) {
        if (processed != Long.MIN_VALUE && allIdleSinceWall != Long.MIN_VALUE && wallNow - allIdleSinceWall >= idleAfterMs) {
            // Every partition has been idle a while: all telemetry written has been read, and event time moves
            // with the wall clock. (Not at once: "idle" markers queued during a broker stall arrive together with
            // the calls that follow them.)
            long t = lowWatermark() + (wallNow - allIdleSinceWall);
            if (t > processed) {
                drainTo(t);
            }
        }
        if (processed == Long.MIN_VALUE) {
            return;
        }
        // A tick that decides nothing is not persisted (below): what it changed in a live state must not reach the
        // store with the next commit, so the states changed by calls are written first, as they were before it.
        writeDirty();
        if (processed > lastFleetMark) {
            forwardFleetWatermark(wallNow);
        }
        List<String> forget = new ArrayList<>();
        List<String> evict = new ArrayList<>();
        Touched touched = new Touched();
        for (String route : new ArrayList<>(localRoutes)) {
            RouteState s = touched.get(route);
            if (s == null || processed - s.routeTime() < punctuateMs) {
                continue;
            }
            resetForwarder();
            scoped.onTick(s, touched, processed, forwarder);
            if (forwarder.count > 0) {
                touched.put(s);
            } else if (!touched.changed.containsKey(route)) {
                // A tick with no outcome is not persisted: the route's next input starts from the stored state.
                live.remove(route);
            }
            if (forwarder.windowsClosed) {
                exportRatios(s);
            }
            if (s.scopeDim() == null && s.state() == HealthState.IDLE && s.lastCallAt() != Long.MIN_VALUE) {
                long quiet = processed - s.lastCallAt();
                if (quiet > idleEvictionMs && !inIncident(s) && !namedRoutes.contains(route)) {
                    evict.add(route);
                } else if (quiet > FORGET_METRICS_AFTER_MS) {
                    forget.add(route);
                }
            }
        }
        touched.write();
        forget.forEach(metrics::forgetRoute);
        for (String route : evict) {
            evict(route, touched);
        }
    }

    /** An IDLE route in the middle of an incident keeps its state: its decision stays in force while it is quiet. */
    private static boolean inIncident(RouteState s) {
        return s.resumeState() != null && s.resumeState().isUnhealthy();
    }

    /**
     * Forgets a route that has been quiet for {@code limits.idle-eviction}: its state and its scopes' are
     * tombstoned and its series removed, so routes that came and went do not accumulate. Should it call again,
     * it starts afresh (HEALTHY), as a route never seen.
     */
    private void evict(String route, Touched touched) {
        String prefix = route + io.modelhealth.schemas.Scopes.SEPARATOR;
        for (String key : new ArrayList<>(localRoutes)) {
            if (key.equals(route) || key.startsWith(prefix)) {
                touched.remove(key);
            }
        }
        metrics.forgetRoute(route);
        metrics.routeDropped(HealthMetrics.ROUTE_IDLE);
    }

    /** The units (a route and its scopes) one step has changed, written to the store once at its end. */
    private final class Touched implements ScopedHealth.Units {
        final Map<String, RouteState> changed = new LinkedHashMap<>();

        @Override
        public RouteState get(String key) {
            RouteState s = changed.get(key);
            return s != null ? s : stored(key);
        }

        @Override
        public void put(RouteState state) {
            String key = state.key();
            changed.put(key, state);
            live.put(key, state);
            track(key);
        }

        @Override
        public void remove(String key) {
            changed.remove(key);
            dirty.remove(key);
            live.remove(key);
            untrack(key);
            store.put(key, null);
        }

        /** Marks the changed units dirty: {@link #beforeCommit} writes each once. */
        void write() {
            dirty.putAll(changed);
            changed.clear();
        }
    }

    // ---------------------------------------------------------------- before every commit

    /**
     * Runs when the task commits, before any of its stores flushes (see {@link CommitHookStore}): writes every
     * dirty unit once, the calls that became pending since the last commit as one batch record, and deletes the
     * batch records whose calls have all been drained. A call drained before the commit is never written at all.
     */
    void beforeCommit() {
        writeDirty();
        live.trim();
        if (!unsaved.isEmpty()) {
            PendingBatch.Writer w = batchWriter.reset();
            for (Map.Entry<Bytes, Pending> e : unsaved) {
                long ts = timeOf(e.getKey().get());
                if (ts > processed) {
                    w.add(ts, e.getValue().route(), e.getValue().call());
                    if (w.size() >= PendingBatch.MAX_BYTES) {
                        saveBatch(w);
                        w.reset();
                    }
                }
            }
            unsaved.clear();
            saveBatch(w);
        }
        while (!batches.isEmpty() && batches.peek()[0] <= processed) {
            pendingBatches.delete(batches.poll()[1]);
        }
    }

    private void saveBatch(PendingBatch.Writer w) {
        if (w.count() > 0) {
            long seq = nextBatch++;
            pendingBatches.put(seq, w.bytes());
            batches.add(new long[] {w.latest(), seq});
        }
    }

    private void writeDirty() {
        for (Map.Entry<String, RouteState> e : dirty.entrySet()) {
            store.put(e.getKey(), e.getValue());
        }
        dirty.clear();
    }

    // ---------------------------------------------------------------- pending-call keys

    /** Event time (sign-flipped, big-endian: byte order is time order), route, 0, event id. */
    static byte[] pendingKey(long ts, String route, String eventId) {
        byte[] r = route.getBytes(StandardCharsets.UTF_8);
        byte[] e = eventId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + r.length + 1 + e.length).putLong(ts ^ Long.MIN_VALUE).put(r).put((byte) 0).put(e).array();
    }

    private static byte[] upperKey(long to) {
        // Every key whose time is <= to sorts below (to + 1) with no suffix.
        return ByteBuffer.allocate(8).putLong((to + 1) ^ Long.MIN_VALUE).array();
    }

    private static long timeOf(byte[] key) {
        return ByteBuffer.wrap(key, 0, 8).getLong() ^ Long.MIN_VALUE;
    }

    private static String routeOf(byte[] key) {
        int end = 8;
        while (key[end] != 0) {
            end++;
        }
        return new String(Arrays.copyOfRange(key, 8, end), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- state

    /**
     * True when the event id was seen at an event time within {@code telemetry.dedup-window} of
     * {@code ts}. Ids are filed under the start of their window-long time slot, with their exact event
     * time as the value: any earlier sighting within the window lies in this slot or a neighbour, so a
     * check is at most three point reads instead of a range scan, and none for a slot that {@link SeenFilter}
     * says certainly does not hold the id (most calls: a new id is read nowhere).
     */
    private boolean isDuplicate(String eventId, long ts) {
        if (seen == null) {
            return false;
        }
        long slot = Math.floorDiv(ts, dedupMs) * dedupMs;
        SeenFilter.Hashes hashes = SeenFilter.Hashes.of(eventId);
        for (long at = slot - dedupMs; at <= slot + dedupMs; at += dedupMs) {
            if (!seenFilter.mayContain(at, hashes)) {
                continue;
            }
            Long seenAt = seen.fetch(eventId, at);
            if (seenAt != null && Math.abs(seenAt - ts) <= dedupMs) {
                return true;
            }
        }
        seenFilter.add(slot, hashes);
        if (slot > latestSlot) {
            latestSlot = slot;
            // The store keeps two windows behind its latest slot and answers nothing older: neither does the filter.
            seenFilter.forgetBefore(latestSlot - 2 * dedupMs);
        }
        seen.put(eventId, ts, slot);
        return false;
    }

    /** The route's state, or a fresh one named after the call (or, for an override, the route id). */
    private RouteState load(String route, LlmCall call) {
        track(route);
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
        RouteState s = dirty.get(route);
        if (s != null) {
            return s;
        }
        s = live.get(route);
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
        live.close();
        // The task is leaving this instance (rebalance, shutdown): its routes' gauges would otherwise
        // stay frozen here while the new owner exports the live ones.
        localRoutes.forEach(metrics::forgetRoute);
    }

    private void resetForwarder() {
        forwarder.count = 0;
        forwarder.windowsClosed = false;
    }

    private void afterRoute(RouteState s) {
        if (forwarder.windowsClosed) {
            exportRatios(s);
        }
    }

    private void exportRatios(RouteState s) {
        if (s.scopeDim() != null) {
            return;
        }
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
            context.forward(new Record<>(key, event, Math.max(0, ts)));
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
            throw new IllegalStateException("state records come from the fleet stage");
        }

        @Override
        public void command(RerouteCommand command, long ts) {
            throw new IllegalStateException("reroute commands come from the fleet stage");
        }

        @Override
        public void alert(Alert alert, long ts) {
            metrics.alert(alert.labels().get("alertname"), alert.labels().get("severity"), alert.status());
            forward(alert.fingerprint(), new HealthEvent.AlertChanged(alert), ts);
        }

        @Override
        public void verdict(RouteVerdict verdict, long ts) {
            forward(verdict.route(), new HealthEvent.ToFleet(FleetEvent.verdict(verdict, ts)), ts);
        }

        @Override
        public void late(String route) {
            metrics.late();
        }

        @Override
        public void scopeFolded(String route, String dimension) {
            metrics.scopeFolded(dimension);
        }

        @Override
        public void detected(String route, String rule, double seconds) {
            metrics.detected(seconds);
        }
    }
}
