package io.modelhealth.health;

import io.modelhealth.config.AppConfig;
import io.modelhealth.reroute.FleetDecider;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.telemetry.OutcomeClassifier;
import io.modelhealth.telemetry.RouteIds;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * Drives {@link RouteHealth} and the {@link FleetDecider} directly — no Kafka — with calls at chosen
 * event times, clock ticks at chosen times and overrides, collecting every output in
 * {@link RecordedOutputs}. Each verdict goes to the decider at once and the decider is advanced to
 * each input's time, as the fleet stage does in order; {@link MapFleet} sets other routes' states by
 * hand. {@code reroute.settle} is 0 here (decisions at the verdict's instant); FleetDeciderTest covers it.
 *
 * <p>Times given to the harness are milliseconds since {@link #T0}; output timestamps are absolute
 * (use {@link #rel(long)} to compare). The wall clock of a call is its event time, as in a replay.
 */
public final class EngineHarness {

    public static final long T0 = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();
    public static final String CONFIG_VERSION = "test";
    /** Step of {@link #run}: calls are placed on this grid, ticks fall on whole seconds. */
    public static final long STEP_MS = 10;

    /** What one generated call looks like. */
    public record Outcome(Integer status, String errorType, String tenant, double latencyMs) {
        public static Outcome ok() {
            return new Outcome(200, null, "search", 400);
        }

        public static Outcome ok(double latencyMs) {
            return new Outcome(200, null, "search", latencyMs);
        }

        public static Outcome error(Integer status, String errorType) {
            return new Outcome(status, errorType, "search", 400);
        }

        public static Outcome error(Integer status, String errorType, String tenant) {
            return new Outcome(status, errorType, tenant, 400);
        }
    }

    /** The outcome of the n-th call of a flow, sent at time t (ms since T0). */
    @FunctionalInterface
    public interface Shape {
        Outcome at(long t, long n);
    }

    /** A stream of calls on one route at {@code rate(t)} calls per second. */
    public record Flow(String route, LongToDoubleFunction rate, Shape shape) {
    }

    public final AppConfig config;
    public final RouteHealth engine;
    public final FleetDecider decider;
    public final MapFleet fleet = new MapFleet(this);
    public final RecordedOutputs out;
    /** Every verdict the engine sent, in order. */
    public final List<RouteVerdict> verdicts = new java.util.ArrayList<>();
    /**
     * Pass each route's state through {@link RouteStateSerde} after every input, as the state
     * store does in the topology (each record reads and writes the route's state).
     */
    public boolean roundTripState;

    private final OutcomeClassifier classifier;
    private final RouteStateSerde serde = new RouteStateSerde();
    private final Map<String, RouteState> routes = new LinkedHashMap<>();
    private long seq;
    private long now = Long.MIN_VALUE;
    private long injectedSeq;

    public EngineHarness(AppConfig config) {
        this.config = config.validate();
        this.engine = new RouteHealth(config, CONFIG_VERSION);
        this.decider = new FleetDecider(config, CONFIG_VERSION);
        this.classifier = new OutcomeClassifier(config.classes());
        this.out = new RecordedOutputs((route, status) -> {
        }, (v, ts) -> {
            // The engine compares a signature made from the route's state, not from the verdict it then makes:
            // both must agree, or a verdict would be sent on no change (or withheld on one).
            RouteState s = routes.get(v.route());
            if (s != null && !v.signature().equals(s.verdictSignature)) {
                throw new AssertionError("verdict signature " + v.signature() + " differs from the engine's " + s.verdictSignature);
            }
            verdicts.add(v);
            decider.onVerdict(v, ts);
        });
    }

    /** After an input at absolute time t: the fleet's decisions due by then. */
    private void advance(long t) {
        now = Math.max(now, t);
        decider.advanceTo(now, out);
    }

    void injectVerdict(String route, HealthState state) {
        long t = now == Long.MIN_VALUE ? T0 : now;
        decider.onVerdict(new RouteVerdict(route, RouteIds.provider(route), RouteIds.model(route), state, null, t,
                "set by the test", null, false, null, -1, null, null, false, false, ++injectedSeq), t);
        advance(t);
    }

    /** What the fleet stage did about a route (its reroute in force), or an empty record. */
    public io.modelhealth.reroute.FleetRoute reroute(String route) {
        return decider.route(route);
    }

    /** Default configuration with the given fallback chains. */
    public static AppConfig config(Map<String, List<String>> fallbacks) {
        AppConfig d = AppConfig.defaults();
        AppConfig.Reroute r = d.reroute();
        AppConfig.Reroute noSettle = new AppConfig.Reroute(r.enabled(), r.probeShare(), r.ttl(), r.restoreSteps(),
                r.stepInterval(), r.panicThreshold(), r.panicMinRoutes(), java.time.Duration.ZERO, r.suspectHold());
        return withRoutes(new AppConfig(d.kafka(), d.http(), d.topics(), d.telemetry(), d.classes(), d.windows(),
                d.detection(), d.anomaly(), noSettle, d.alerts(), d.routes(), d.otlp(), d.scopes(), d.families(), d.limits(), d.overrides(), d.operations(), d.rocksdb()), fallbacks);
    }

    public static AppConfig withRoutes(AppConfig b, Map<String, List<String>> fallbacks) {
        Map<String, AppConfig.Route> routes = new LinkedHashMap<>();
        fallbacks.forEach((route, chain) -> routes.put(route, new AppConfig.Route(chain)));
        return new AppConfig(b.kafka(), b.http(), b.topics(), b.telemetry(), b.classes(), b.windows(), b.detection(),
                b.anomaly(), b.reroute(), b.alerts(), routes, b.otlp(), b.scopes(), b.families(), b.limits(), b.overrides(), b.operations(), b.rocksdb());
    }

    public static long at(long rel) {
        return T0 + rel;
    }

    public static long rel(long absolute) {
        return absolute - T0;
    }

    public RouteState state(String route) {
        return routes.computeIfAbsent(route, r -> engine.newState(r, RouteIds.provider(r), RouteIds.model(r)));
    }

    public HealthState stateOf(String route) {
        return state(route).state();
    }

    public LlmCall llmCall(String route, long t, Outcome o) {
        return new LlmCall("e-" + (++seq), Instant.ofEpochMilli(at(t)), RouteIds.provider(route), RouteIds.model(route),
                null, o.tenant(), o.status(), o.errorType(), o.latencyMs(), null, null, null);
    }

    /** One call at t (ms since T0); false when the engine found it too late to count. */
    public boolean call(String route, long t, Outcome o) {
        LlmCall c = llmCall(route, t, o);
        OutcomeClass cls = classifier.classify(c);
        boolean counted = engine.onCall(state(route), c, cls, at(t), out);
        store(route);
        advance(at(t));
        return counted;
    }

    private void store(String route) {
        if (roundTripState) {
            byte[] bytes = serde.serializer().serialize("route-state", routes.get(route));
            routes.put(route, serde.deserializer().deserialize("route-state", bytes));
        }
    }

    public boolean call(String route, long t, Integer status, String errorType, String tenant) {
        return call(route, t, new Outcome(status, errorType, tenant, 400));
    }

    public void tick(String route, long t) {
        engine.onTick(state(route), at(t), out);
        store(route);
        advance(at(t));
    }

    /** A punctuation: every route seen so far is evaluated at t. */
    public void tickAll(long t) {
        for (String route : List.copyOf(routes.keySet())) {
            tick(route, t);
        }
    }

    public void override(String route, RouteOverride o, long t) {
        engine.onOverride(state(route), o, at(t), out);
        store(route);
        advance(at(t));
    }

    /**
     * Runs flows over [from, to): calls on a {@link #STEP_MS} grid at each flow's rate, and a tick
     * of every route on each whole second (before that instant's calls).
     */
    public void run(long from, long to, Flow... flows) {
        double[] credit = new double[flows.length];
        long[] n = new long[flows.length];
        for (long t = from; t < to; t += STEP_MS) {
            if (t % 1000 == 0) {
                tickAll(t);
            }
            for (int i = 0; i < flows.length; i++) {
                Flow f = flows[i];
                credit[i] += f.rate().applyAsDouble(t) * STEP_MS / 1000.0;
                while (credit[i] >= 1 - 1e-9) {
                    credit[i] -= 1;
                    call(f.route(), t, f.shape().at(t, n[i]++));
                }
            }
        }
    }

    /** Ticks every route once a second over [from, to) with no calls: a silent period. */
    public void silence(long from, long to) {
        for (long t = from; t < to; t += 1000) {
            tickAll(t);
        }
    }

    public static Flow flow(String route, double perSecond, Shape shape) {
        return new Flow(route, t -> perSecond, shape);
    }

    /**
     * The share of a route's traffic that still reaches it under its current reroute, as routing
     * services apply a command: {@code 1 − weight × (1 − probe_share)} — 1 % under a full reroute.
     */
    public double remainingShare(String route) {
        io.modelhealth.reroute.FleetRoute r = decider.route(route);
        double weight = r == null || r.target() == null ? 0 : r.weight();
        return 1 - weight * (1 - config.reroute().probeShare());
    }

    public static RouteOverride override(String route, HealthState pin, String reroute, String target, boolean silence,
                                         long untilRel) {
        return new RouteOverride(route, pin, reroute, target, silence, Instant.ofEpochMilli(at(untilRel)), "test",
                "oncall@example.com", Instant.ofEpochMilli(T0));
    }
}
