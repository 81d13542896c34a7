package io.modelhealth.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.telemetry.RouteIds;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The app's own meters (docs/design.md "Metrics"), named in Micrometer's dotted form; the Prometheus
 * registry renders them as {@code model_health_calls_total}, {@code model_health_state}, … Tags are
 * low-cardinality: route, class, state, reason — never an event id. Per-route numbers are not meters:
 * they are kept compact per route and exported at scrape time by {@link RouteSeriesCollector}, for the
 * configured routes and the {@code limits.metered-routes} unhealthiest and busiest others, so /metrics
 * stays bounded however many routes input names. {@link #forgetRoute} drops a route that has gone away.
 * Thread-safe: stream threads record, the HTTP thread scrapes.
 */
public final class HealthMetrics {

    public static final String CALLS = "model.health.calls";
    public static final String ERROR_RATIO = "model.health.error.ratio";
    public static final String STATE = "model.health.state";
    public static final String LATENCY = "model.health.latency";
    /** Histograms: {@code model_health_call_duration_seconds} and {@code model_health_time_to_first_token_seconds}. */
    public static final String CALL_DURATION = "model.health.call.duration";
    public static final String TIME_TO_FIRST_TOKEN = "model.health.time.to.first.token";
    /**
     * Upper bounds (seconds) of the latency histograms' buckets, +Inf implied: from a short completion's first
     * token to a long reasoning call's end, each about double the last. Fixed, so that series from every instance
     * and every day aggregate ({@code histogram_quantile} over {@code sum by (le)}).
     */
    public static final double[] LATENCY_BUCKETS = {0.25, 0.5, 1, 2, 4, 8, 15, 30, 60};
    public static final String REROUTES = "model.health.reroutes";
    public static final String ALERTS = "model.health.alerts";
    public static final String DEAD_LETTERS = "model.health.dead.letters";
    public static final String DETECTION = "model.health.detection";
    public static final String LATE = "model.health.late.events";
    public static final String DUPLICATES = "model.health.duplicate.events";
    public static final String CLOCK_SKEW = "model.health.clock.skew.capped";
    public static final String REROUTE_HELD = "model.health.reroute.held";
    public static final String SCOPE_STATE = "model.health.scope.state";
    public static final String SCOPES_FOLDED = "model.health.scopes.folded";
    /** OTLP input: spans that became calls, and spans skipped because they are not LLM calls (by reason). */
    public static final String SPANS_INGESTED = "model.health.spans.ingested";
    public static final String SPANS_SKIPPED = "model.health.spans.skipped";
    /** Routes not admitted or evicted, by reason (see {@link #ROUTE_DROP_REASONS}). */
    public static final String ROUTES_DROPPED = "model.health.routes.dropped";
    public static final String ROUTES_UNMETERED = "model.health.routes.unmetered";
    public static final String ROUTE_LIMIT = "max_routes";
    public static final String ROUTE_IDLE = "idle";
    public static final List<String> ROUTE_DROP_REASONS = List.of(ROUTE_LIMIT, ROUTE_IDLE);

    private static final OutcomeClass[] CLASSES = OutcomeClass.values();
    private static final HealthState[] STATES = HealthState.values();

    private final MeterRegistry registry;
    private final Map<String, RouteSeries> routes = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, Counter> reroutes = new ConcurrentHashMap<>();
    private final Map<String, Counter> alerts = new ConcurrentHashMap<>();
    private final Map<String, Counter> folded = new ConcurrentHashMap<>();
    /** One gauge per scope that is not healthy (route|scope → the gauge of its state); bounded by scopes.max-per-route. */
    private final Map<String, Meter> scopeStates = new ConcurrentHashMap<>();
    private final Counter late;
    private final Counter duplicates;
    private final Counter skew;
    private final Counter spansIngested;
    private final Map<String, Counter> spansSkipped = new ConcurrentHashMap<>();
    private final DistributionSummary detection;

    /**
     * A route's numbers, compact: plain counters and values, no meter objects (≈ 0.3 KB instead of the ~20 KB
     * of ~25 Micrometer meters). {@link RouteSeriesCollector} turns the metered ones into series at scrape time.
     * Each route has one writer per field (its route task; the fleet task for state and held); the scrape
     * reads whatever was last written.
     */
    static final class RouteSeries {
        final String route;
        final String provider;
        final String model;
        /**
         * Calls counted by class ({@code [0, CLASSES.length)}), then the end-to-end latency histogram of every
         * call counted, every outcome, from {@link #DURATION} ({@link LatencyHistogram}'s cells): one array, not
         * three objects and their headers, as one route's heap is what limits how many routes an instance holds.
         */
        final AtomicLongArray counts = new AtomicLongArray(DURATION + LatencyHistogram.CELLS);
        volatile int state = HealthState.HEALTHY.ordinal();
        /** 0: not held; else the ordinal of the {@link Held} cause + 1. */
        volatile int held;
        /** Error ratio per (window, class): index window * CLASSES.length + class; NaN until a window closed. */
        volatile double[] ratios;
        volatile String[] ratioWindows;
        /** Latency p50, p95, p99 of the last closed window, in seconds; NaN when the window had none. */
        final double[] latency = {Double.NaN, Double.NaN, Double.NaN};
        /**
         * Time to first token of the calls that carry {@code ttft_ms} ({@link LatencyHistogram}'s cells from 0);
         * null until one does (~0.1 KB a route whose calls never report it does not hold). Set once by the
         * route's task, read by the scrape.
         */
        volatile AtomicLongArray ttft;

        RouteSeries(String route) {
            this.route = route;
            this.provider = RouteIds.provider(route).intern();
            this.model = RouteIds.model(route).intern();
        }

        long totalCalls() {
            long n = 0;
            for (int i = 0; i < CLASSES.length; i++) {
                n += counts.get(i);
            }
            return n;
        }

        boolean unhealthy() {
            return state != HealthState.HEALTHY.ordinal() && state != HealthState.IDLE.ordinal();
        }
    }

    /** Where {@link RouteSeries#counts} holds the duration histogram. */
    static final int DURATION = CLASSES.length;

    /**
     * A latency histogram as cells of an {@link AtomicLongArray} from an offset: the count per bucket of
     * {@link #LATENCY_BUCKETS} (not cumulative; the last one +Inf), then their sum in microseconds (a long adds
     * exactly; 2^63 µs is 292,000 years of calls). Written by the route's task, read by the scrape.
     */
    static final class LatencyHistogram {
        /** Buckets (with +Inf) and the sum. */
        static final int CELLS = LATENCY_BUCKETS.length + 2;
        static final int BUCKETS = LATENCY_BUCKETS.length + 1;

        private LatencyHistogram() {
        }

        static void observe(AtomicLongArray cells, int from, double ms) {
            if (!(ms >= 0)) {
                return;
            }
            double s = ms / 1000;
            int i = 0;
            while (i < LATENCY_BUCKETS.length && s > LATENCY_BUCKETS[i]) {
                i++;
            }
            cells.incrementAndGet(from + i);
            cells.addAndGet(from + BUCKETS, Math.round(ms * 1000));
        }

        static long count(AtomicLongArray cells, int from) {
            long n = 0;
            for (int i = 0; i < BUCKETS; i++) {
                n += cells.get(from + i);
            }
            return n;
        }

        static long sumMicros(AtomicLongArray cells, int from) {
            return cells.get(from + BUCKETS);
        }
    }

    private final Map<String, Counter> routesDropped = new ConcurrentHashMap<>();
    private final Set<String> alwaysMetered;
    private final int meteredRoutes;

    /** Every route metered (tests, backtests). */
    public HealthMetrics(MeterRegistry registry) {
        this(registry, Set.of(), Integer.MAX_VALUE);
    }

    /**
     * @param alwaysMetered routes that always have their own series (those the config names)
     * @param meteredRoutes how many further routes have them: the unhealthiest, then the busiest
     *                      ({@code limits.metered-routes})
     */
    public HealthMetrics(MeterRegistry registry, Set<String> alwaysMetered, int meteredRoutes) {
        this.registry = registry;
        this.alwaysMetered = Set.copyOf(alwaysMetered);
        this.meteredRoutes = meteredRoutes;
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            prometheus.getPrometheusRegistry().register(
                    new RouteSeriesCollector(routes::values, this.alwaysMetered, meteredRoutes));
        }
        Gauge.builder(ROUTES_UNMETERED, this, HealthMetrics::unmeteredRoutes).strongReference(true)
                .description("Routes this instance decides whose per-route series are not exported (limits.metered-routes)")
                .register(registry);
        for (String reason : ROUTE_DROP_REASONS) {
            routeDropped(reason, 0);
        }
        this.late = Counter.builder(LATE).description("Calls that arrived after their time bucket closed (beyond grace)").register(registry);
        this.duplicates = Counter.builder(DUPLICATES).description("Calls dropped as duplicates of an event_id already seen").register(registry);
        this.skew = Counter.builder(CLOCK_SKEW).description("Calls whose event time was too far in the future and was capped").register(registry);
        this.detection = DistributionSummary.builder(DETECTION).baseUnit("seconds")
                .description("Event time from the first bad call of an incident to the decision (UNAVAILABLE or BLOCKED)")
                .publishPercentiles(0.5, 0.95, 0.99).register(registry);
        for (String reason : io.modelhealth.schemas.DeadLetter.REASONS) {
            deadLetter(reason, 0);
        }
        this.spansIngested = Counter.builder(SPANS_INGESTED)
                .description("OTLP spans read as LLM calls (otlp.enabled)").register(registry);
        for (String reason : io.modelhealth.otlp.SpanMapper.SKIP_REASONS) {
            spansSkipped.put(reason, Counter.builder(SPANS_SKIPPED)
                    .description("OTLP spans skipped because they are not LLM calls, by reason").tag("reason", reason)
                    .register(registry));
        }
    }

    /** Meters that go nowhere: for backtests and topology tests that do not look at metrics. */
    public static HealthMetrics noop() {
        return new HealthMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    private RouteSeries route(String route) {
        // get first: a plain read on the per-call path, without computeIfAbsent's capturing lambda.
        RouteSeries m = routes.get(route);
        // Interned once, when the route's series is made: the key and the series share the copy the fleet stage keeps.
        return m != null ? m : routes.computeIfAbsent(route.intern(), RouteSeries::new);
    }

    /**
     * A call counted for its route: its class, its latency and, when it carries one, its time to first token
     * (milliseconds, as {@code llm.call.v1} has them).
     */
    public void call(String route, OutcomeClass c, double latencyMs, Double ttftMs) {
        RouteSeries m = route(route);
        m.counts.incrementAndGet(c.ordinal());
        LatencyHistogram.observe(m.counts, DURATION, latencyMs);
        if (ttftMs != null) {
            AtomicLongArray t = m.ttft;
            if (t == null) {
                t = new AtomicLongArray(LatencyHistogram.CELLS);
                m.ttft = t;
            }
            LatencyHistogram.observe(t, 0, ttftMs);
        }
    }

    /** Calls of the route counted so far in the class (what {@code model_health_calls_total} exports). */
    public long calls(String route, OutcomeClass c) {
        RouteSeries m = routes.get(route);
        return m == null ? 0 : m.counts.get(c.ordinal());
    }

    /** Calls counted so far, every route and class. */
    public long calls() {
        long n = 0;
        for (RouteSeries m : routes.values()) {
            n += m.totalCalls();
        }
        return n;
    }

    /** Routes held here whose series are not exported: beyond the configured ones and {@code limits.metered-routes}. */
    public int unmeteredRoutes() {
        int others = 0;
        for (String route : routes.keySet()) {
            if (!alwaysMetered.contains(route)) {
                others++;
            }
        }
        return Math.max(0, others - meteredRoutes);
    }

    /** Routes with numbers held here (metered or not). */
    public int routes() {
        return routes.size();
    }

    /** A route not admitted ({@code max_routes}) or evicted ({@code idle}): {@code model_health_routes_dropped_total}. */
    public void routeDropped(String reason) {
        routeDropped(reason, 1);
    }

    private void routeDropped(String reason, double amount) {
        routesDropped.computeIfAbsent(reason, r -> Counter.builder(ROUTES_DROPPED)
                .description("Routes not admitted (max_routes: limits.max-routes reached) or evicted (idle: limits.idle-eviction)")
                .tag("reason", r).register(registry)).increment(amount);
    }

    /** Why an unhealthy route's traffic was not moved. */
    public enum Held {
        PANIC_GUARD("panic_guard"), NO_FALLBACK("no_fallback");

        final String tag;

        Held(String tag) {
            this.tag = tag;
        }
    }

    /** Whether (and why) the route's reroute is held back right now; null = not held. */
    public void held(String route, Held cause) {
        route(route).held = cause == null ? 0 : cause.ordinal() + 1;
    }

    public void state(String route, HealthState state) {
        route(route).state = state.ordinal();
    }

    /**
     * Error ratio of one class over one named window ("1m", "5m", ...). A route exports the windows it was
     * first given, in that order (the processor always passes the same two).
     */
    public void errorRatio(String route, OutcomeClass c, String window, double ratio) {
        RouteSeries m = route(route);
        String[] windows = m.ratioWindows;
        int w = windows == null ? -1 : indexOf(windows, window);
        if (w < 0) {
            String[] grown = windows == null ? new String[]{window} : Arrays.copyOf(windows, windows.length + 1);
            grown[grown.length - 1] = window;
            double[] ratios = new double[grown.length * CLASSES.length];
            Arrays.fill(ratios, Double.NaN);
            if (m.ratios != null) {
                System.arraycopy(m.ratios, 0, ratios, 0, m.ratios.length);
            }
            w = grown.length - 1;
            m.ratios = ratios;
            // Every route is given the same windows: one shared array, not one per route (never written once published).
            m.ratioWindows = WINDOW_SETS.computeIfAbsent(List.of(grown), k -> grown);
        }
        m.ratios[w * CLASSES.length + c.ordinal()] = ratio;
    }

    private static final ConcurrentHashMap<List<String>, String[]> WINDOW_SETS =
            new ConcurrentHashMap<>();

    private static int indexOf(String[] a, String v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals(v)) {
                return i;
            }
        }
        return -1;
    }

    /** Latency quantiles of the route's last closed window. */
    public void window(HealthWindow w) {
        RouteSeries m = route(w.route());
        m.latency[0] = seconds(w.latencyP50Ms());
        m.latency[1] = seconds(w.latencyP95Ms());
        m.latency[2] = seconds(w.latencyP99Ms());
    }

    private static double seconds(Double millis) {
        return millis == null ? Double.NaN : millis / 1000.0;
    }

    public void deadLetter(String reason) {
        deadLetter(reason, 1);
    }

    private void deadLetter(String reason, double amount) {
        deadLetters.computeIfAbsent(reason, r -> Counter.builder(DEAD_LETTERS)
                .description("Input records sent to the dead-letter topic, by reason").tag("reason", r).register(registry))
                .increment(amount);
    }

    public void reroute(String route, String action, String reason) {
        String key = route + "|" + action + "|" + reason;
        reroutes.computeIfAbsent(key, k -> Counter.builder(REROUTES).description("Reroute commands issued")
                .tags("route", route, "action", action, "reason", reason).register(registry)).increment();
    }

    public void alert(String alertname, String severity, String status) {
        String key = alertname + "|" + severity + "|" + status;
        alerts.computeIfAbsent(key, k -> Counter.builder(ALERTS).description("Alert records written, firing and resolved")
                .tags("alertname", alertname, "severity", severity, "status", status).register(registry)).increment();
    }

    public void detected(double seconds) {
        detection.record(seconds);
    }

    public void late() {
        late.increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public void spanIngested() {
        spansIngested.increment();
    }

    public void spanSkipped(String reason) {
        spansSkipped.computeIfAbsent(reason, r -> Counter.builder(SPANS_SKIPPED).tag("reason", r).register(registry)).increment();
    }

    public void clockSkewCapped() {
        skew.increment();
    }

    /**
     * The state of one scope of a route: a series {@code model_health_scope_state{route, scope, state} 1}
     * while it is not HEALTHY, none once it is (healthy scopes are the many; they need no series).
     */
    public void scopeState(String route, String scope, HealthState state) {
        String key = route + "|" + scope;
        Meter old = scopeStates.remove(key);
        if (old != null) {
            registry.remove(old);
        }
        if (state != null && state != HealthState.HEALTHY) {
            scopeStates.put(key, Gauge.builder(SCOPE_STATE, () -> 1)
                    .description("1 for each scope (region, tenant) of a route that is not HEALTHY, labelled with its state")
                    .tags("route", route, "scope", scope, "state", state.name()).register(registry));
        }
    }

    /** A call whose scope value found its route's scopes full (scopes.max-per-route): judged with the route only. */
    public void scopeFolded(String dimension) {
        folded.computeIfAbsent(dimension, d -> Counter.builder(SCOPES_FOLDED)
                .description("Calls judged with their route only because its scopes of that dimension were full")
                .tag("dimension", d).register(registry)).increment();
    }

    /** Stops exporting a route's series (it has gone away). */
    public void forgetRoute(String route) {
        routes.remove(route);
        scopeStates.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(route + "|")) {
                registry.remove(e.getValue());
                return true;
            }
            return false;
        });
    }
}
