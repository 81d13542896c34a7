package io.modelhealth.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.telemetry.RouteIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The app's own meters (docs/design.md "Metrics"), named in Micrometer's dotted form; the Prometheus
 * registry renders them as {@code model_health_calls_total}, {@code model_health_state}, … Tags are
 * low-cardinality: route, class, state, reason — never an event id. Per-route meters are removed
 * with {@link #forgetRoute} so routes that disappear stop being exported. Thread-safe: stream
 * threads record, the HTTP thread scrapes.
 */
public final class HealthMetrics {

    public static final String CALLS = "model.health.calls";
    public static final String ERROR_RATIO = "model.health.error.ratio";
    public static final String STATE = "model.health.state";
    public static final String LATENCY = "model.health.latency";
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

    private static final OutcomeClass[] CLASSES = OutcomeClass.values();
    private static final HealthState[] STATES = HealthState.values();

    private final MeterRegistry registry;
    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
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

    /** Per-route meters, registered on the route's first call. */
    private final class RouteMeters {
        final Counter[] calls = new Counter[CLASSES.length];
        final AtomicInteger state = new AtomicInteger(HealthState.HEALTHY.ordinal());
        final AtomicInteger held = new AtomicInteger();
        final Map<String, double[]> gaugeValues = new ConcurrentHashMap<>();
        final List<Meter> meters = new ArrayList<>();

        RouteMeters(String route) {
            String provider = RouteIds.provider(route);
            String model = RouteIds.model(route);
            for (OutcomeClass c : CLASSES) {
                Counter counter = Counter.builder(CALLS).description("Finished LLM calls seen, by outcome class")
                        .tags("route", route, "provider", provider, "model", model, "class", c.wireName())
                        .register(registry);
                calls[c.ordinal()] = counter;
                meters.add(counter);
            }
            for (HealthState s : STATES) {
                meters.add(Gauge.builder(STATE, state, v -> v.get() == s.ordinal() ? 1 : 0)
                        .description("1 for the route's current health state, 0 for the others")
                        .tags("route", route, "state", s.name())
                        // Gauges hold their object weakly by default: the registry outlives this class's
                        // instance in tests, and a collected holder would read NaN.
                        .strongReference(true).register(registry));
            }
            for (Held h : Held.values()) {
                meters.add(Gauge.builder(REROUTE_HELD, held, v -> v.get() == h.ordinal() + 1 ? 1 : 0)
                        .description("1 while the route is unhealthy but its reroute is held back, by cause")
                        .tags("route", route, "cause", h.tag).strongReference(true).register(registry));
            }
        }

        void gauge(String name, Tags tags, String description, String baseUnit, double value) {
            String key = name + tags;
            double[] holder = gaugeValues.get(key);
            if (holder == null) {
                double[] fresh = {value};
                holder = gaugeValues.putIfAbsent(key, fresh);
                if (holder == null) {
                    holder = fresh;
                    meters.add(Gauge.builder(name, fresh, h -> h[0]).description(description).baseUnit(baseUnit)
                            .tags(tags).strongReference(true).register(registry));
                }
            }
            holder[0] = value;
        }
    }

    public HealthMetrics(MeterRegistry registry) {
        this.registry = registry;
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

    private RouteMeters route(String route) {
        // get first: a plain read on the per-call path, without computeIfAbsent's capturing lambda.
        RouteMeters m = routes.get(route);
        return m != null ? m : routes.computeIfAbsent(route, RouteMeters::new);
    }

    public void call(String route, OutcomeClass c) {
        route(route).calls[c.ordinal()].increment();
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
        route(route).held.set(cause == null ? 0 : cause.ordinal() + 1);
    }

    public void state(String route, HealthState state) {
        route(route).state.set(state.ordinal());
    }

    /** Error ratio of one class over one named window ("1m", "5m", ...). */
    public void errorRatio(String route, OutcomeClass c, String window, double ratio) {
        route(route).gauge(ERROR_RATIO, Tags.of("route", route, "class", c.wireName(), "window", window),
                "Share of the route's calls in the window that fell in the class", null, ratio);
    }

    /** Latency quantiles of the route's last closed window. */
    public void window(HealthWindow w) {
        RouteMeters m = route(w.route());
        setLatency(m, w.route(), "0.5", w.latencyP50Ms());
        setLatency(m, w.route(), "0.95", w.latencyP95Ms());
        setLatency(m, w.route(), "0.99", w.latencyP99Ms());
    }

    private void setLatency(RouteMeters m, String route, String quantile, Double millis) {
        if (millis != null) {
            m.gauge(LATENCY, Tags.of("route", route, "quantile", quantile),
                    "End-to-end call latency of the route's last closed window", "seconds", millis / 1000.0);
        }
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

    /** Stops exporting a route's meters (it has gone away). */
    public void forgetRoute(String route) {
        RouteMeters m = routes.remove(route);
        if (m != null) {
            m.meters.forEach(registry::remove);
        }
        scopeStates.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(route + "|")) {
                registry.remove(e.getValue());
                return true;
            }
            return false;
        });
    }
}
