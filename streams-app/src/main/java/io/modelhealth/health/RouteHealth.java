package io.modelhealth.health;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.Durations;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The health engine for one route: calls and clock ticks in, decisions out. Plain Java, no Kafka.
 *
 * <pre>
 *   onCall(state, call, class)  ─┐                       ┌─▶ window   (a time bucket closed)
 *   onTick(state, now)          ─┼─▶ buckets · rules ·  ─┼─▶ anomaly  (open / close)
 *   onOverride(state, override) ─┘   state machine ·     ├─▶ state    (a change of state, reroute or override)
 *                                    reroute · alerts    ├─▶ command  (REROUTE / RESTORE, epoch + 1)
 *                                                        └─▶ alert    (firing / resolved)
 * </pre>
 *
 * Every decision is taken at an event time ({@code now}) and stamped with it, so replaying the
 * same calls gives the same decisions at the same times. Rules (defaults in {@link AppConfig}):
 * <ul>
 *   <li>policy block: a run of consecutive policy refusals from several tenants, or a large share
 *       of policy refusals in a short window ⇒ BLOCKED at once;</li>
 *   <li>availability: the SRE workbook's multiwindow burn rate against the SLO ⇒ UNAVAILABLE;</li>
 *   <li>rate limit: a large share of 429s ⇒ UNAVAILABLE;</li>
 *   <li>degraded: errors above normal, or an error/latency anomaly ⇒ DEGRADED (warn, no reroute).</li>
 * </ul>
 * Getting worse is immediate; getting better needs a minimum hold (growing with repeated incidents),
 * clean probe traffic, and a step-by-step restore. Windows never look behind the moment a route
 * started to heal, so old errors cannot re-trigger it.
 */
public final class RouteHealth {

    private static final OutcomeClass[] CLASSES = OutcomeClass.values();
    private static final long EVAL_INTERVAL_MS = 1000;
    /** Consecutive good calls after which an isolated earlier error no longer counts as an incident's start. */
    private static final int DETECTION_CLEAN_RUN = 50;
    private static final int MAX_FLAP_MULTIPLIER = 8;
    private static final String[] ANOMALY_METRICS = {"error_ratio", "latency_p95_ms", "content_filter_ratio"};

    private final AppConfig config;
    private final String configVersion;
    private final long bucketMs;
    private final long graceMs;
    private final int ringSize;
    private final double availabilityBudget;
    /** The one-sided normal quantile of {@code detection.availability.confidence}; 0 when it is off. */
    private final double availabilityZ;
    private final AlertFactory alerts;
    private final long suspectHoldMs;
    private final long burstWindowMs;
    private final double burstRatio;

    public RouteHealth(AppConfig config, String configVersion) {
        this.config = config;
        this.configVersion = configVersion;
        this.bucketMs = config.windows().bucket().toMillis();
        this.graceMs = config.windows().grace().toMillis();
        long longest = config.longestWindow().toMillis();
        // A bucket stays in the ring while a rule can look at it or a late call can still amend it.
        this.ringSize = (int) (longest / bucketMs + (graceMs + bucketMs - 1) / bucketMs + 2);
        this.availabilityBudget = 1.0 - config.detection().availability().slo();
        this.availabilityZ = config.detection().availability().confidence() == 0 ? 0
                : normalQuantile(config.detection().availability().confidence());
        this.alerts = new AlertFactory(config.alerts().runbookBaseUrl(), config.alerts().statusPageUrl());
        this.suspectHoldMs = config.reroute().suspectHold().toMillis();
        // An error burst: the errors of the shortest burn-rate window already above the mildest burn threshold.
        long shortest = Long.MAX_VALUE;
        double mildest = Double.MAX_VALUE;
        for (AppConfig.BurnRate b : config.detection().availability().burnRates()) {
            shortest = Math.min(shortest, b.shortWindow().toMillis());
            mildest = Math.min(mildest, b.factor() * availabilityBudget);
        }
        this.burstWindowMs = shortest == Long.MAX_VALUE ? bucketMs : shortest;
        this.burstRatio = mildest == Double.MAX_VALUE ? 0.1 : mildest;
    }

    public RouteState newState(String route, String provider, String model) {
        return new RouteState(route, provider, model, ringSize);
    }

    /** A fresh state for the scope {@code dim=value} of a route: judged like a route, on the scope's calls only. */
    public RouteState newScopeState(String route, String provider, String model, String dim, String value) {
        RouteState s = new RouteState(route, provider, model, ringSize);
        s.scopeDim = dim;
        s.scopeValue = value;
        return s;
    }

    /**
     * Until when (event time) the unit counts as failing for its route's hierarchy: for ever while it is
     * UNAVAILABLE, BLOCKED or RECOVERING; while suspect (a fresh policy refusal or error burst), until the
     * suspect hold ends; Long.MIN_VALUE otherwise.
     */
    public long failingUntil(RouteState s) {
        if (s.state.isUnhealthy() || s.state == HealthState.RECOVERING
                || (s.state == HealthState.IDLE && s.resumeState != null && s.resumeState.isUnhealthy())) {
            return Long.MAX_VALUE;
        }
        long last = Math.max(s.lastPolicyAt, s.lastBurstAt);
        return last == Long.MIN_VALUE ? Long.MIN_VALUE : last + suspectHoldMs;
    }

    // ---------------------------------------------------------------- inputs

    /**
     * One call. {@code ts} is its (capped) event time. The topology hands a route its calls in
     * event-time order up to the low watermark; a call behind the route's time (late, within the
     * lateness bound {@code windows.grace}) amends its bucket — re-emitting the window if it was
     * already emitted — and counts from then on. Returns false when the call was too late to count.
     */
    public boolean onCall(RouteState s, LlmCall call, OutcomeClass cls, long ts, HealthOutputs out) {
        return onCall(s, call, cls, ts, true, out);
    }

    /**
     * @param judged false: the call counts in the route's windows but not for its rules (it belongs to a
     *               scope that fails alone, see {@link ScopedHealth})
     */
    public boolean onCall(RouteState s, LlmCall call, OutcomeClass cls, long ts, boolean judged, HealthOutputs out) {
        long now = Math.max(s.routeTime, ts);
        if (s.since == Long.MIN_VALUE) {
            s.since = ts;
        }
        closeBuckets(s, now, out);
        s.routeTime = now;
        RouteState.Bucket b = bucketFor(s, ts, now);
        if (b == null) {
            out.late(s.route);
            return false;
        }
        b.counts[cls.ordinal()]++;
        if (!judged) {
            if (b.leftOut == null) {
                b.leftOut = new int[CLASSES.length];
            }
            b.leftOut[cls.ordinal()]++;
        }
        if (b.closed) {
            // Amended after it was emitted: its latency histogram is gone, the counts are re-emitted.
            b.late++;
            out.window(windowOf(s, b), b.start + bucketMs);
        } else {
            if (b.latency == null) {
                b.latency = new int[LatencySketch.SIZE];
            }
            b.latency[LatencySketch.index(call.latencyMs())]++;
        }
        if (ts >= s.lastCallAt) {
            s.lastCallAt = ts;
        }
        if (s.state == HealthState.IDLE) {
            resumeFromIdle(s, now);
        }
        if (!judged) {
            return true;
        }
        trackRuns(s, call, cls, ts);
        boolean due = cls.countsAgainstModel() || s.state != HealthState.HEALTHY
                || s.lastEvaluatedAt == Long.MIN_VALUE || now - s.lastEvaluatedAt >= EVAL_INTERVAL_MS
                || suspect(s, now) != s.publishedSuspect;
        if (due) {
            evaluate(s, now, out);
        }
        if (s.state.isUnhealthy() || s.state == HealthState.RECOVERING) {
            countCaller(s, call, ts);
        }
        return true;
    }

    // ---------------------------------------------------------------- blast radius

    static final int MAX_CALLERS = 32;
    private static final long MINUTE_MS = 60_000;
    private static final String OTHERS = "(others)";

    /** Who still calls an unhealthy route: per tenant and region, bounded (further callers are summed as "(others)"). */
    private static void countCaller(RouteState s, LlmCall call, long ts) {
        if (s.callers == null) {
            s.callers = new LinkedHashMap<>();
        }
        String key = (call.tenant() == null ? "" : call.tenant()) + '\u0000' + (call.region() == null ? "" : call.region());
        RouteState.CallerCount c = s.callers.get(key);
        if (c == null) {
            if (s.callers.size() >= MAX_CALLERS - 1) {
                key = OTHERS;
                c = s.callers.get(key);
            }
            if (c == null) {
                c = new RouteState.CallerCount();
                c.tenant = key.equals(OTHERS) ? OTHERS : call.tenant();
                c.region = key.equals(OTHERS) ? null : call.region();
                c.first = ts;
                c.minute = Math.floorDiv(ts, MINUTE_MS);
                s.callers.put(key, c);
            }
        }
        c.calls++;
        c.last = Math.max(c.last, ts);
        long minute = Math.floorDiv(ts, MINUTE_MS);
        if (minute > c.minute) {
            c.previous = minute == c.minute + 1 ? c.current : 0;
            c.current = 0;
            c.minute = minute;
        }
        if (minute == c.minute) {
            c.current++;
        } else if (minute == c.minute - 1) {
            c.previous++;
        }
    }

    /**
     * The blast radius at event time {@code now}: callers of the unhealthy route, busiest first. The rate is
     * a sliding minute: this minute's calls plus the previous minute's, weighted by how much of it the last
     * 60 s still cover.
     */
    public static List<io.modelhealth.schemas.Caller> blastRadius(RouteState s, long now) {
        if (s.callers == null) {
            return List.of();
        }
        List<io.modelhealth.schemas.Caller> out = new ArrayList<>(s.callers.size());
        for (RouteState.CallerCount c : rankCallers(s, now)) {
            out.add(new io.modelhealth.schemas.Caller(c.tenant, c.region, c.calls, c.rate,
                    Instant.ofEpochMilli(c.first), Instant.ofEpochMilli(c.last)));
        }
        return out;
    }

    /**
     * The callers busiest first at {@code now}: by rate (rounded as the verdict carries it), then calls (both
     * descending), then tenant, then their order in {@link RouteState#callers} — what a stable sort of the
     * map's values gives. Starts from the last ranking ({@link RouteState#ranked}) and insertion-sorts it: one
     * pass when the order held, as it does for most calls.
     */
    private static RouteState.CallerCount[] rankCallers(RouteState s, long now) {
        if (s.callers == null || s.callers.isEmpty()) {
            return new RouteState.CallerCount[0];
        }
        RouteState.CallerCount[] r = s.ranked;
        if (r == null || s.rankedFrom != s.callers || r.length != s.callers.size()) {
            // First ranking, or callers were added: start from the map's order.
            r = s.callers.values().toArray(new RouteState.CallerCount[0]);
            for (int i = 0; i < r.length; i++) {
                r[i].seq = i;
            }
            s.rankedFrom = s.callers;
            s.rankedNames = null;
        }
        long minute = Math.floorDiv(now, MINUTE_MS);
        double elapsed = (double) (now - minute * MINUTE_MS) / MINUTE_MS;
        for (RouteState.CallerCount c : r) {
            double rate;
            if (c.minute == minute) {
                rate = c.current + c.previous * (1 - elapsed);
            } else if (c.minute == minute - 1) {
                rate = c.current * (1 - elapsed);
            } else {
                rate = 0;
            }
            c.rate = round3(rate);
        }
        for (int i = 1; i < r.length; i++) {
            RouteState.CallerCount c = r[i];
            int j = i - 1;
            if (busierFirst(r[j], c) <= 0) {
                continue;
            }
            while (j >= 0 && busierFirst(r[j], c) > 0) {
                r[j + 1] = r[j];
                j--;
            }
            r[j + 1] = c;
            s.rankedNames = null;
        }
        s.ranked = r;
        return r;
    }

    /** Negative when {@code a} ranks before {@code b}; never 0 for two callers of one route. */
    private static int busierFirst(RouteState.CallerCount a, RouteState.CallerCount b) {
        int c = Double.compare(b.rate, a.rate);
        if (c != 0) {
            return c;
        }
        c = Long.compare(b.calls, a.calls);
        if (c != 0) {
            return c;
        }
        c = (a.tenant == null ? "" : a.tenant).compareTo(b.tenant == null ? "" : b.tenant);
        return c != 0 ? c : Integer.compare(a.seq, b.seq);
    }

    /** {@link RouteVerdict#signature}'s caller names for the verdict {@link #blastRadius} would make, without making it. */
    private static String callerNames(RouteState s, long now) {
        RouteState.CallerCount[] ranked = rankCallers(s, now);
        if (ranked.length == 0) {
            return "";
        }
        if (s.rankedNames == null) {
            StringBuilder b = new StringBuilder();
            for (RouteState.CallerCount c : ranked) {
                RouteVerdict.appendCaller(b, c.tenant, c.region);
            }
            s.rankedNames = b.toString();
        }
        return s.rankedNames;
    }

    /**
     * A clock tick at event time {@code now} (the low watermark): closes buckets of a silent route,
     * notices silence and expiries.
     */
    public void onTick(RouteState s, long now, HealthOutputs out) {
        if (now < s.routeTime) {
            now = s.routeTime;
        }
        closeBuckets(s, now, out);
        s.routeTime = now;
        if (s.state != HealthState.IDLE && s.lastCallAt != Long.MIN_VALUE
                && now - s.lastCallAt >= config.detection().idleAfter().toMillis()) {
            goIdle(s, now);
        }
        evaluate(s, now, out);
    }

    /** An operator override for this route (null clears it). It wins over automation until it expires. */
    public void onOverride(RouteState s, RouteOverride override, long now, HealthOutputs out) {
        now = Math.max(now, s.routeTime);
        if (s.since == Long.MIN_VALUE) {
            s.since = now;
        }
        s.override = override;
        closeBuckets(s, now, out);
        s.routeTime = now;
        evaluate(s, now, out);
    }

    // ---------------------------------------------------------------- buckets and windows

    private RouteState.Bucket bucketFor(RouteState s, long ts, long now) {
        long start = Math.floorDiv(ts, bucketMs) * bucketMs;
        if (start + bucketMs + graceMs <= now) {
            // Beyond the lateness bound: its bucket may already have left the ring.
            return null;
        }
        int slot = (int) Math.floorMod(start / bucketMs, (long) ringSize);
        RouteState.Bucket b = s.ring[slot];
        if (b == null || (b.start < start && (b.closed || b.start == Long.MIN_VALUE))) {
            b = new RouteState.Bucket();
            b.start = start;
            // A late call for a slot no call used: the bucket is born behind the watermark, emitted at once.
            b.closed = start + bucketMs <= now;
            s.ring[slot] = b;
            return b;
        }
        if (b.start == start) {
            return b;
        }
        return null;
    }

    private void closeBuckets(RouteState s, long now, HealthOutputs out) {
        List<RouteState.Bucket> closing = null;
        for (RouteState.Bucket b : s.ring) {
            if (b != null && !b.closed && b.start + bucketMs <= now) {
                if (closing == null) {
                    closing = new ArrayList<>(2);
                }
                closing.add(b);
            }
        }
        if (closing == null) {
            return;
        }
        closing.sort(Comparator.comparingLong(RouteState.Bucket::start));
        for (RouteState.Bucket b : closing) {
            LatencySketch sketch = new LatencySketch(b.latency == null ? new int[LatencySketch.SIZE] : b.latency);
            long end = b.start + bucketMs;
            b.p50 = sketch.quantile(0.5);
            b.p95 = sketch.quantile(0.95);
            b.p99 = sketch.quantile(0.99);
            b.closed = true;
            b.latency = null;
            out.window(windowOf(s, b), end);
            updateAnomalies(s, b, sketch, end, out);
        }
    }

    private HealthWindow windowOf(RouteState s, RouteState.Bucket b) {
        Map<OutcomeClass, Long> byClass = new EnumMap<>(OutcomeClass.class);
        for (OutcomeClass c : CLASSES) {
            byClass.put(c, (long) b.counts[c.ordinal()]);
        }
        return new HealthWindow(s.route, s.provider, s.model, Instant.ofEpochMilli(b.start),
                Instant.ofEpochMilli(b.start + bucketMs), b.calls(), byClass, nanToNull(b.p50), nanToNull(b.p95),
                nanToNull(b.p99), b.late == 0 ? null : (long) b.late);
    }

    /** Calls per class in [max(now − window, floor), now], a partly covered bucket counting pro rata. */
    WindowSum sum(RouteState s, long now, long windowMs) {
        long lo = Math.max(now - windowMs, s.windowFloor);
        double[] acc = new double[CLASSES.length];
        for (RouteState.Bucket b : s.ring) {
            if (b == null || b.start == Long.MIN_VALUE || b.start > now || b.start + bucketMs <= lo) {
                continue;
            }
            double weight = b.start >= lo ? 1.0 : (double) (b.start + bucketMs - lo) / bucketMs;
            for (int i = 0; i < acc.length; i++) {
                acc[i] += (b.counts[i] - (b.leftOut == null ? 0 : b.leftOut[i])) * weight;
            }
        }
        return new WindowSum(lo, now, acc);
    }

    // ---------------------------------------------------------------- per-call bookkeeping

    private void trackRuns(RouteState s, LlmCall call, OutcomeClass cls, long ts) {
        if (cls == OutcomeClass.CLIENT) {
            return;
        }
        if (cls == OutcomeClass.POLICY_BLOCK) {
            s.lastPolicyAt = Math.max(s.lastPolicyAt, ts);
            if (s.policyRun == 0) {
                s.policyRunStart = ts;
            }
            s.policyRun++;
            String tenant = call.tenant() == null ? "" : call.tenant();
            if (!s.policyRunTenants.contains(tenant) && s.policyRunTenants.size() < 8) {
                s.policyRunTenants.add(tenant);
            }
        } else {
            s.policyRun = 0;
            s.policyRunTenants.clear();
        }
        if (cls.countsAgainstModel()) {
            s.consecutiveGood = 0;
            String signature = (call.statusCode() == null ? "" : call.statusCode() + " ")
                    + (call.errorType() == null ? "" : call.errorType());
            s.lastErrors.put(cls.wireName(), signature.trim());
            if (s.badSince == Long.MIN_VALUE && (s.state == HealthState.HEALTHY || s.state == HealthState.DEGRADED)) {
                s.badSince = ts;
            }
        } else {
            s.consecutiveGood++;
        }
        // A BLOCKED route's probe run: successes since the last refusal or error, and who sent them.
        if (cls.countsAgainstModel()) {
            s.probeRunStart = Long.MIN_VALUE;
            s.probeTenants.clear();
        } else if (cls == OutcomeClass.SUCCESS) {
            if (s.probeRunStart == Long.MIN_VALUE) {
                s.probeRunStart = ts;
            }
            String tenant = call.tenant() == null ? "" : call.tenant();
            if (!s.probeTenants.contains(tenant) && s.probeTenants.size() < 8) {
                s.probeTenants.add(tenant);
            }
        }
    }

    // ---------------------------------------------------------------- the state machine

    private record Verdict(HealthState state, String incidentClass, String reason, Evidence evidence) {
    }

    private void evaluate(RouteState s, long now, HealthOutputs out) {
        s.lastEvaluatedAt = now;
        if (s.override != null && s.override.until() != null && !s.override.until().isAfter(Instant.ofEpochMilli(now))) {
            s.override = null;
        }
        Verdict v = decide(s, now);
        if (s.override != null && s.override.pinState() != null) {
            HealthState pin = s.override.pinState();
            v = new Verdict(pin, pin.isUnhealthy() ? "override" : null,
                    "pinned by override" + overrideSuffix(s.override), v == null ? s.evidence : v.evidence());
        }
        if (v != null && v.state() != s.state) {
            transition(s, v, now, out);
        }
        WindowSum burst = sum(s, now, burstWindowMs);
        if ((burst.of(OutcomeClass.AVAILABILITY) >= config.detection().minErrors() && burst.ratio(OutcomeClass.AVAILABILITY) >= burstRatio)
                || (burst.of(OutcomeClass.RATE_LIMIT) >= config.detection().minErrors()
                && burst.ratio(OutcomeClass.RATE_LIMIT) >= config.detection().rateLimit().enterRatio())) {
            s.lastBurstAt = now;
        }
        publishVerdict(s, now, out);
    }

    /** 0: none; 1: availability suspect; 2: policy suspect; 3: both. */
    private int suspect(RouteState s, long now) {
        int r = 0;
        if (s.lastBurstAt != Long.MIN_VALUE && now - s.lastBurstAt < suspectHoldMs) {
            r |= 1;
        }
        if (s.lastPolicyAt != Long.MIN_VALUE && now - s.lastPolicyAt < suspectHoldMs) {
            r |= 2;
        }
        return r;
    }

    /** Sends the fleet stage a {@link RouteVerdict} when anything in it changed. */
    private void publishVerdict(RouteState s, long now, HealthOutputs out) {
        int suspect = suspect(s, now);
        boolean incident = s.state.isUnhealthy() || (s.state == HealthState.IDLE && s.resumeState != null
                && s.resumeState.isUnhealthy());
        double desired;
        String desiredReason;
        switch (s.state) {
            case UNAVAILABLE, BLOCKED -> {
                desired = 1.0;
                desiredReason = (s.incidentClass == null ? "override" : s.incidentClass) + "."
                        + (s.evidence == null ? "pinned" : lastSegment(s.evidence.rule()));
            }
            case RECOVERING -> {
                List<Double> steps = config.reroute().restoreSteps();
                desired = steps.get(Math.min(Math.max(s.restoreStep, 0), steps.size() - 1));
                desiredReason = "recovery.step_" + (s.restoreStep + 1);
            }
            // No traffic keeps the last decision in force.
            case IDLE -> {
                desired = -1;
                desiredReason = null;
            }
            default -> {
                desired = 0;
                desiredReason = "recovered";
            }
        }
        boolean availabilitySuspect = (suspect & 1) != 0;
        boolean policySuspect = (suspect & 2) != 0;
        long since = s.since == Long.MIN_VALUE ? now : s.since;
        String incidentClass = incident ? s.incidentClass : null;
        // Most calls change nothing the fleet sees: the signature is made from the state itself, and the verdict
        // (its blast radius, a Caller per caller) only when it differs from the last one sent.
        String signature = RouteVerdict.signature(s.state, s.previousState, since, s.reason, incident, incidentClass, desired,
                desiredReason, s.override, availabilitySuspect, policySuspect, callerNames(s, now));
        if (signature.equals(s.verdictSignature)) {
            return;
        }
        RouteVerdict v = new RouteVerdict(s.route, s.provider, s.model, s.state, s.previousState, since, s.reason, s.evidence,
                incident, incidentClass, desired, desiredReason, s.override, availabilitySuspect, policySuspect, s.verdictSeq + 1,
                s.scopeDim == null ? null : Map.of(s.scopeDim, s.scopeValue), blastRadius(s, now));
        s.verdictSignature = signature;
        s.verdictSeq++;
        s.publishedSuspect = suspect;
        out.verdict(v, now);
    }

    private Verdict decide(RouteState s, long now) {
        AppConfig.Detection d = config.detection();
        long held = now - s.since;
        switch (s.state) {
            case HEALTHY, DEGRADED -> {
                Verdict worse = entryVerdict(s, now);
                if (worse != null) {
                    return worse;
                }
                WindowSum w = sum(s, now, d.degraded().window().toMillis());
                boolean anomaly = hasOpenErrorOrLatencyAnomaly(s);
                boolean degradedNow = w.modelCalls() >= d.degraded().minCalls() && w.errors() >= d.minErrors()
                        && w.errorRatio() >= d.degraded().enterRatio();
                // The detection clock starts at the first error after a clean stretch: background noise
                // (an error now and then) must not start it long before an incident.
                if (w.errors() == 0 || s.consecutiveGood >= DETECTION_CLEAN_RUN) {
                    s.badSince = Long.MIN_VALUE;
                }
                if (s.state == HealthState.HEALTHY && (degradedNow || anomaly)) {
                    Evidence e = evidence(degradedNow ? "degraded.error_ratio" : "anomaly", w, d.degraded().enterRatio(),
                            w.errors());
                    return new Verdict(HealthState.DEGRADED, null, degradedNow
                            ? "errors " + pct(w.errorRatio()) + " of " + round(w.modelCalls()) + " calls in "
                            + Durations.format(d.degraded().window()) + " (warning above " + pct(d.degraded().enterRatio()) + ")"
                            : "anomaly open: " + openAnomalyNames(s), e);
                }
                boolean clear = w.modelCalls() < d.degraded().minCalls() || w.errorRatio() < d.degraded().exitRatio();
                if (s.state == HealthState.DEGRADED && clear && !anomaly && held >= d.minHold().toMillis()) {
                    return new Verdict(HealthState.HEALTHY, null, "errors back to normal ("
                            + pct(w.errorRatio()) + " in " + Durations.format(d.degraded().window()) + ")",
                            evidence("degraded.exit", w, d.degraded().exitRatio(), w.errors()));
                }
                return null;
            }
            case UNAVAILABLE -> {
                Verdict policy = policyVerdict(s, now);
                if (policy != null) {
                    return policy;
                }
                long hold = d.minHold().toMillis() * Math.min(Math.max(1, flaps(s)), MAX_FLAP_MULTIPLIER);
                // After repeated incidents the probes must stay clean for the whole (longer) hold, not
                // just the recovery window: a provider that flaps faster than that stays rerouted.
                long clean = Math.max(d.recovery().window().toMillis(), hold);
                if (held >= hold && probesClean(s, now, now - clean)) {
                    WindowSum w = sum(s, now, d.recovery().window().toMillis());
                    return new Verdict(HealthState.RECOVERING, s.incidentClass, "probe traffic clean for "
                            + Durations.format(d.recovery().window()) + ": restoring step by step",
                            evidence("recovery.probe", w, d.recovery().exitRatio(), w.errors()));
                }
                return null;
            }
            case BLOCKED -> {
                // Restored on evidence, not hope: after the hold-down floor, an unbroken run of successful probe
                // calls long enough, from enough tenants, over long enough (one tenant's new key is not a return).
                AppConfig.PolicyBlock pb = d.policyBlock();
                if (held >= pb.holdDown().toMillis() && s.consecutiveGood >= pb.probeSuccesses()
                        && s.probeRunStart != Long.MIN_VALUE && s.probeTenants.size() >= minTenants(s, pb.probeTenants())
                        && now - s.probeRunStart >= pb.probeWindow().toMillis()) {
                    WindowSum w = sum(s, now, Math.max(bucketMs, now - s.probeRunStart));
                    return new Verdict(HealthState.RECOVERING, s.incidentClass, s.consecutiveGood
                            + " consecutive probe calls from " + s.probeTenants.size() + " tenants succeeded over "
                            + Durations.format(java.time.Duration.ofMillis(now - s.probeRunStart))
                            + ": restoring step by step",
                            evidence("policy_block.probe", w, 0, w.errors()));
                }
                return null;
            }
            case RECOVERING -> {
                Verdict worse = entryVerdict(s, now);
                if (worse != null) {
                    return worse;
                }
                boolean stepDue = now - s.stepSince >= config.reroute().stepInterval().toMillis()
                        && probesClean(s, now, s.stepSince, true);
                // Every step is walked, rerouted or not: the fleet stage alone knows whether traffic was moved.
                boolean lastStep = s.restoreStep >= config.reroute().restoreSteps().size() - 1;
                if (stepDue && lastStep) {
                    WindowSum w = sum(s, now, d.recovery().window().toMillis());
                    return new Verdict(HealthState.HEALTHY, null, "recovered: traffic fully restored",
                            evidence("recovery.complete", w, d.recovery().exitRatio(), w.errors()));
                }
                if (stepDue) {
                    s.restoreStep++;
                    s.stepSince = now;
                }
                return null;
            }
            case IDLE -> {
                return null;
            }
            default -> throw new IllegalStateException("unknown state " + s.state);
        }
    }

    /**
     * The Wilson score interval's lower bound for {@code errors} of {@code calls} at normal quantile {@code z}:
     * how low the true error ratio may be, given what was seen. z = 0 gives the observed ratio.
     */
    static double wilsonLower(double errors, double calls, double z) {
        if (calls <= 0) {
            return 0;
        }
        double p = errors / calls;
        double z2 = z * z;
        double centre = p + z2 / (2 * calls);
        double spread = z * Math.sqrt(p * (1 - p) / calls + z2 / (4 * calls * calls));
        return Math.max(0, (centre - spread) / (1 + z2 / calls));
    }

    /** The standard normal quantile for {@code p} in [0.5, 1) (Abramowitz and Stegun 26.2.23, error < 4.5e-4). */
    static double normalQuantile(double p) {
        double t = Math.sqrt(-2 * Math.log(1 - p));
        return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
    }

    /** The rules that make a route worse, strongest first: policy block, availability, rate limit. */
    private Verdict entryVerdict(RouteState s, long now) {
        Verdict policy = policyVerdict(s, now);
        if (policy != null) {
            return policy;
        }
        AppConfig.Detection d = config.detection();
        AppConfig.Availability a = d.availability();
        for (AppConfig.BurnRate pair : a.burnRates()) {
            double threshold = pair.factor() * availabilityBudget;
            WindowSum lw = sum(s, now, pair.longWindow().toMillis());
            WindowSum sw = sum(s, now, pair.shortWindow().toMillis());
            double lower;
            // Enough evidence in the long window; the short one only has to show the errors are still
            // happening (SRE workbook), so a thin route in a total outage is still caught.
            if (lw.modelCalls() >= a.minCalls() && sw.modelCalls() >= 1
                    && lw.of(OutcomeClass.AVAILABILITY) >= d.minErrors()
                    && lw.ratio(OutcomeClass.AVAILABILITY) >= threshold && sw.ratio(OutcomeClass.AVAILABILITY) >= threshold
                    && (lower = wilsonLower(lw.of(OutcomeClass.AVAILABILITY), lw.modelCalls(), availabilityZ)) >= threshold) {
                String rule = "availability.burn_rate_" + Durations.format(pair.longWindow()) + "_" + Durations.format(pair.shortWindow());
                return new Verdict(HealthState.UNAVAILABLE, OutcomeClass.AVAILABILITY.wireName(),
                        "availability errors " + pct(lw.ratio(OutcomeClass.AVAILABILITY)) + " of "
                                + round(lw.modelCalls()) + " calls in " + Durations.format(pair.longWindow())
                                + " and " + pct(sw.ratio(OutcomeClass.AVAILABILITY)) + " in " + Durations.format(pair.shortWindow())
                                + " (burn rate " + pair.factor() + "× of a " + pct(a.slo()) + " SLO: " + pct(threshold)
                                + (availabilityZ == 0 ? "" : "; " + pct(a.confidence()) + " lower bound " + pct(lower)) + ")"
                                + lastError(s, OutcomeClass.AVAILABILITY),
                        evidence(rule, lw, threshold, lw.of(OutcomeClass.AVAILABILITY)));
            }
        }
        AppConfig.RateLimit rl = d.rateLimit();
        WindowSum w = sum(s, now, rl.window().toMillis());
        if (w.modelCalls() >= rl.minCalls() && w.of(OutcomeClass.RATE_LIMIT) >= d.minErrors()
                && w.ratio(OutcomeClass.RATE_LIMIT) >= rl.enterRatio()) {
            return new Verdict(HealthState.UNAVAILABLE, OutcomeClass.RATE_LIMIT.wireName(),
                    "rate limited: " + pct(w.ratio(OutcomeClass.RATE_LIMIT)) + " of " + round(w.modelCalls())
                            + " calls in " + Durations.format(rl.window()) + " (threshold " + pct(rl.enterRatio()) + ")"
                            + lastError(s, OutcomeClass.RATE_LIMIT),
                    evidence("rate_limit.window", w, rl.enterRatio(), w.of(OutcomeClass.RATE_LIMIT)));
        }
        return null;
    }

    private Verdict policyVerdict(RouteState s, long now) {
        AppConfig.PolicyBlock p = config.detection().policyBlock();
        WindowSum w = sum(s, now, p.window().toMillis());
        if (p.consecutive() > 0 && s.policyRun >= p.consecutive() && s.policyRunTenants.size() >= minTenants(s, p.minTenants())) {
            // Evidence of a run is the run itself: its calls, all refused; the threshold is the run length.
            Map<OutcomeClass, Long> byClass = new EnumMap<>(OutcomeClass.class);
            for (OutcomeClass c : CLASSES) {
                byClass.put(c, c == OutcomeClass.POLICY_BLOCK ? (long) s.policyRun : 0L);
            }
            Evidence e = new Evidence("policy_block.consecutive", Math.max(0, (now - s.policyRunStart) / 1000),
                    Instant.ofEpochMilli(s.policyRunStart), Instant.ofEpochMilli(now), s.policyRun, s.policyRun, 1.0,
                    p.consecutive(), byClass, configVersion);
            return new Verdict(HealthState.BLOCKED, OutcomeClass.POLICY_BLOCK.wireName(),
                    s.policyRun + " consecutive policy refusals from " + s.policyRunTenants.size() + " tenants"
                            + lastError(s, OutcomeClass.POLICY_BLOCK), e);
        }
        if (w.modelCalls() >= p.minCalls() && w.ratio(OutcomeClass.POLICY_BLOCK) >= p.enterRatio()) {
            return new Verdict(HealthState.BLOCKED, OutcomeClass.POLICY_BLOCK.wireName(),
                    pct(w.ratio(OutcomeClass.POLICY_BLOCK)) + " of " + round(w.modelCalls()) + " calls in "
                            + Durations.format(p.window()) + " were policy refusals" + lastError(s, OutcomeClass.POLICY_BLOCK),
                    evidence("policy_block.window", w, p.enterRatio(), w.of(OutcomeClass.POLICY_BLOCK)));
        }
        return null;
    }

    /** Tenant diversity asks for several tenants; a tenant's own scope has one by definition. */
    private static int minTenants(RouteState s, int configured) {
        return "tenant".equals(s.scopeDim) ? 1 : configured;
    }

    /** The probe (or restored) traffic since {@code from} is clean: no more errors than the exit ratios allow. */
    private boolean probesClean(RouteState s, long now, long from) {
        return probesClean(s, now, from, false);
    }

    /**
     * @param fresh the calls must fall inside the window: a restore step moves real traffic back, so it
     *              needs evidence from the step itself, not a run of successes from before it
     */
    private boolean probesClean(RouteState s, long now, long from, boolean fresh) {
        AppConfig.Detection d = config.detection();
        WindowSum w = sum(s, now, Math.max(bucketMs, now - from));
        boolean enoughCalls = w.modelCalls() >= d.recovery().minCalls()
                || (!fresh && s.consecutiveGood >= d.recovery().minCalls());
        return enoughCalls && s.consecutiveGood > 0
                && w.ratio(OutcomeClass.AVAILABILITY) < d.recovery().exitRatio()
                && w.ratio(OutcomeClass.RATE_LIMIT) < d.rateLimit().exitRatio()
                && w.of(OutcomeClass.POLICY_BLOCK) == 0;
    }

    private void transition(RouteState s, Verdict v, long now, HealthOutputs out) {
        HealthState from = s.state;
        HealthState to = v.state();
        s.previousState = from;
        s.state = to;
        s.since = now;
        s.reason = v.reason();
        if (v.evidence() != null) {
            s.evidence = v.evidence();
        }
        if (to == HealthState.UNAVAILABLE || to == HealthState.BLOCKED) {
            boolean newIncident = from == HealthState.HEALTHY || from == HealthState.DEGRADED || from == HealthState.IDLE;
            if (newIncident) {
                flapCount(s, now);
            } else if (from == HealthState.RECOVERING) {
                // A relapse while restoring is the clearest flap of all; it must lengthen the next hold.
                s.flaps++;
            }
            s.incidentClass = v.incidentClass();
            if (newIncident) {
                s.callers = null;
            }
            if (s.badSince != Long.MIN_VALUE) {
                out.detected(s.route, v.evidence() == null ? "override" : v.evidence().rule(), (now - s.badSince) / 1000.0);
                s.badSince = Long.MIN_VALUE;
            }
            if (to == HealthState.BLOCKED) {
                s.consecutiveGood = 0;
                s.probeRunStart = Long.MIN_VALUE;
                s.probeTenants.clear();
            }
            s.restoreStep = -1;
        } else if (to == HealthState.RECOVERING) {
            s.windowFloor = now;
            s.restoreStep = 0;
            s.stepSince = now;
        } else if (to == HealthState.HEALTHY) {
            if (from == HealthState.RECOVERING || from.isUnhealthy()) {
                s.windowFloor = now;
                s.lastHealthyAt = now;
            }
            s.incidentClass = null;
            s.restoreStep = -1;
            s.callers = null;
        }
    }

    private int flaps(RouteState s) {
        return s.flaps;
    }

    /** Flap damping: a new incident soon after the last one holds longer before recovering. */
    private void flapCount(RouteState s, long now) {
        long decay = 10 * Math.max(config.detection().minHold().toMillis(), bucketMs);
        if (s.lastHealthyAt == Long.MIN_VALUE || now - s.lastHealthyAt > decay) {
            s.flaps = 1;
        } else {
            s.flaps++;
        }
    }

    private void goIdle(RouteState s, long now) {
        s.resumeState = s.state == HealthState.DEGRADED ? HealthState.HEALTHY : s.state;
        s.resumeSince = s.since;
        s.previousState = s.state;
        s.state = HealthState.IDLE;
        s.since = now;
        s.reason = "no calls for " + Durations.format(config.detection().idleAfter())
                + (s.resumeState != null && s.resumeState.isUnhealthy() ? "; the reroute in force stays" : "");
    }

    private void resumeFromIdle(RouteState s, long now) {
        HealthState resumed = s.resumeState == null ? HealthState.HEALTHY : s.resumeState;
        // An incident resumes where it was: its hold (BLOCKED's hold-down above all) counts from when
        // it began, not from the end of a quiet spell — a route whose sparse probes leave it IDLE
        // in between would otherwise never serve out its hold-down.
        boolean sameIncident = resumed.isUnhealthy() && resumed == s.previousState && s.resumeSince != Long.MIN_VALUE;
        s.since = sameIncident ? s.resumeSince : now;
        s.previousState = HealthState.IDLE;
        s.state = resumed;
        s.resumeState = null;
        s.resumeSince = Long.MIN_VALUE;
        s.windowFloor = now;
        s.stepSince = now;
        s.reason = "traffic resumed";
    }

    private Alert routeAlert(RouteState s, String name, OpenAlert a, Map<String, String> extra, Long endsAt) {
        String alertname = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
        return alerts.routeAlert(alertname, a.severity, s.route, s.provider, s.model, extra, a.summary, a.description,
                a.startsAt, endsAt);
    }

    // ---------------------------------------------------------------- anomalies

    private void updateAnomalies(RouteState s, RouteState.Bucket b, LatencySketch sketch, long at, HealthOutputs out) {
        AppConfig.Anomaly cfg = config.anomaly();
        // The calls the rules judge: a scope that fails alone must not raise its route's anomalies either.
        long modelCalls = judged(b, null) - judged(b, OutcomeClass.CLIENT);
        // Anomalies are the route's: a scope is judged by the rules only.
        if (!cfg.enabled() || modelCalls < cfg.minCalls() || s.scopeDim != null) {
            return;
        }
        double errors = judged(b, OutcomeClass.AVAILABILITY) + judged(b, OutcomeClass.RATE_LIMIT) + judged(b, OutcomeClass.POLICY_BLOCK);
        double[] observed = {errors / modelCalls, sketch.quantile(0.95), (double) judged(b, OutcomeClass.CONTENT_FILTER) / modelCalls};
        for (int i = 0; i < ANOMALY_METRICS.length; i++) {
            String metric = ANOMALY_METRICS[i];
            double x = observed[i];
            if (Double.isNaN(x)) {
                continue;
            }
            RouteState.Baseline base = s.baselines.computeIfAbsent(metric, k -> new RouteState.Baseline());
            if (base.openId == null && base.samples < cfg.warmupBuckets()) {
                learn(base, x, cfg.alpha());
                continue;
            }
            double floor = metric.startsWith("latency") ? Math.max(1.0, 0.05 * base.mean) : 0.01;
            double baseline = base.openId != null ? base.openBaseline : base.mean;
            double score = (x - baseline) / Math.max(Math.sqrt(base.variance), floor);
            String key = AlertFactory.ROUTE_ANOMALY + ":" + metric;
            if (base.openId == null && score >= cfg.openScore()) {
                base.openId = s.route + "#" + metric + "#" + b.start;
                base.openedAt = at;
                base.openBaseline = base.mean;
                out.anomaly(new Anomaly(base.openId, s.route, Anomaly.OPEN, metric, round3(base.mean), round3(x),
                        round3(score), cfg.openScore(), Instant.ofEpochMilli(at), null), at);
                if (!(s.override != null && s.override.silenceAlerts())) {
                    OpenAlert a = new OpenAlert(
                            AlertFactory.fingerprint(AlertFactory.ROUTE_ANOMALY, s.route + "[" + metric + "]", at), at,
                            AlertFactory.WARNING, s.route + " anomaly on " + metric + ": " + round3(x) + " against a baseline of "
                            + round3(base.mean) + " (score " + round3(score) + ")",
                            "An anomaly window opened on " + metric + " at " + Instant.ofEpochMilli(at)
                                    + ". The baseline is frozen while it is open. Anomalies warn; they never reroute by themselves.");
                    s.openAlerts.put(key, a);
                    out.alert(routeAlert(s, key, a, Map.of("metric", metric), null), at);
                }
            } else if (base.openId != null && score < cfg.closeScore()) {
                out.anomaly(new Anomaly(base.openId, s.route, Anomaly.CLOSE, metric, round3(base.openBaseline), round3(x),
                        round3(score), cfg.openScore(), Instant.ofEpochMilli(base.openedAt), Instant.ofEpochMilli(at)), at);
                base.openId = null;
                OpenAlert a = s.openAlerts.remove(key);
                if (a != null) {
                    out.alert(routeAlert(s, key, a, Map.of("metric", metric), at), at);
                }
                learn(base, x, cfg.alpha());
            } else if (base.openId == null) {
                learn(base, x, cfg.alpha());
            }
        }
    }

    /** Calls of class {@code c} (null: all) in the bucket that the rules judge. */
    private static long judged(RouteState.Bucket b, OutcomeClass c) {
        if (c == null) {
            long left = 0;
            if (b.leftOut != null) {
                for (int n : b.leftOut) {
                    left += n;
                }
            }
            return b.calls() - left;
        }
        return b.count(c) - (b.leftOut == null ? 0 : b.leftOut[c.ordinal()]);
    }

    private static void learn(RouteState.Baseline base, double x, double alpha) {
        if (base.samples == 0) {
            base.mean = x;
            base.variance = 0;
        } else {
            double diff = x - base.mean;
            base.mean += alpha * diff;
            base.variance = (1 - alpha) * (base.variance + alpha * diff * diff);
        }
        base.samples++;
    }

    private static boolean hasOpenErrorOrLatencyAnomaly(RouteState s) {
        for (Map.Entry<String, RouteState.Baseline> e : s.baselines.entrySet()) {
            if (e.getValue().openId != null && !e.getKey().equals("content_filter_ratio")) {
                return true;
            }
        }
        return false;
    }

    private static String openAnomalyNames(RouteState s) {
        List<String> names = new ArrayList<>();
        s.baselines.forEach((k, v) -> {
            if (v.openId != null) {
                names.add(k);
            }
        });
        return String.join(", ", names);
    }

    public static String describeOverride(RouteOverride o) {
        List<String> parts = new ArrayList<>();
        if (o.pinState() != null) {
            parts.add("pin " + o.pinState());
        }
        if (o.reroute() != null) {
            parts.add(o.reroute().toLowerCase(Locale.ROOT) + " reroute" + (o.target() != null ? " to " + o.target() : ""));
        }
        if (o.silenceAlerts()) {
            parts.add("alerts silenced");
        }
        return String.join(", ", parts) + overrideSuffix(o);
    }

    public static String overrideSuffix(RouteOverride o) {
        return (o.author() != null ? " by " + o.author() : "") + (o.reason() != null ? " (" + o.reason() + ")" : "")
                + (o.until() != null ? " until " + o.until() : "");
    }

    private Evidence evidence(String rule, WindowSum w, double threshold, double errors) {
        double calls = w.modelCalls();
        return new Evidence(rule, Math.max(0, (w.end() - w.start()) / 1000), Instant.ofEpochMilli(w.start()),
                Instant.ofEpochMilli(w.end()), Math.round(w.calls()), Math.round(errors),
                calls <= 0 ? 0 : round3(errors / calls), Math.round(threshold * 1e6) / 1e6, w.byClassRounded(), configVersion);
    }

    private static String lastError(RouteState s, OutcomeClass c) {
        String e = s.lastErrors.get(c.wireName());
        return e == null || e.isEmpty() ? "" : " (" + e + ")";
    }

    private static String lastSegment(String rule) {
        int dot = rule.indexOf('.');
        return dot < 0 ? rule : rule.substring(dot + 1);
    }

    private static String pct(double ratio) {
        double p = ratio * 100;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.format(Locale.ROOT, "%.1f", p)) + " %";
    }

    private static long round(double v) {
        return Math.round(v);
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static Double nanToNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /**
     * The route's buckets still in memory as {@code model.health.window.v1} records, oldest first
     * (open ones included, with their counts so far): for the API's "recent windows".
     */
    public List<HealthWindow> recentWindows(RouteState s) {
        List<RouteState.Bucket> buckets = new ArrayList<>();
        for (RouteState.Bucket b : s.ring) {
            if (b != null && b.start != Long.MIN_VALUE) {
                buckets.add(b);
            }
        }
        buckets.sort(Comparator.comparingLong(RouteState.Bucket::start));
        List<HealthWindow> windows = new ArrayList<>(buckets.size());
        for (RouteState.Bucket b : buckets) {
            Map<OutcomeClass, Long> byClass = new EnumMap<>(OutcomeClass.class);
            for (OutcomeClass c : CLASSES) {
                byClass.put(c, (long) b.counts[c.ordinal()]);
            }
            LatencySketch sketch = b.latency == null ? null : new LatencySketch(b.latency);
            windows.add(new HealthWindow(s.route, s.provider, s.model, Instant.ofEpochMilli(b.start),
                    Instant.ofEpochMilli(b.start + bucketMs), b.calls(), byClass,
                    sketch == null ? null : nanToNull(sketch.quantile(0.5)),
                    sketch == null ? null : nanToNull(sketch.quantile(0.95)),
                    sketch == null ? null : nanToNull(sketch.quantile(0.99))));
        }
        return windows;
    }

    /** Calls per class in the route's last {@code windowMs} (for the error-ratio gauges). */
    public WindowSum window(RouteState s, long windowMs) {
        return sum(s, s.routeTime, windowMs);
    }

    int ringSize() {
        return ringSize;
    }
}
