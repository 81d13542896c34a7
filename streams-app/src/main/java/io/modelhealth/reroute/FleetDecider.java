package io.modelhealth.reroute;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.config.AppConfig;
import io.modelhealth.health.HealthOutputs;
import io.modelhealth.health.OpenAlert;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.health.RouteVerdict;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.ScopeStatus;
import io.modelhealth.schemas.Scopes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The fleet's decisions, taken in one place and in event-time order: route verdicts in, reroute
 * commands, state records and incident alerts out. Plain Java, no Kafka.
 *
 * <pre>
 *   onVerdict(verdict, at) ─┐                               ┌─▶ command (REROUTE / RESTORE, next epoch)
 *   advanceTo(now)         ─┴─▶ due routes, in time order ─┼─▶ state   (model.health.state.v1)
 *                               fallback · panic guard ·    └─▶ alert   (incident alerts, firing / resolved)
 *                               overrides · expiry refresh
 * </pre>
 *
 * Because every route's verdicts reach this one place in event-time order, a choice that depends on
 * other routes sees them all as of the decision's event time. A route that needs a new target is
 * decided {@code reroute.settle} after its verdict, so routes that fail in the same instant are seen
 * together: two siblings withdrawn in one second both go to the first healthy fallback, and routes
 * failing together engage the panic guard before any of them is moved. A route with fresh errors
 * ({@link RouteVerdict#suspect()}) is not chosen as a new target while a clean one exists, nor for up
 * to {@code reroute.suspect-hold} while none does.
 */
public final class FleetDecider implements FleetView {

    private final AppConfig config;
    private final String configVersion;
    private final long settleMs;
    private final long suspectHoldMs;
    private final AlertFactory alerts;
    private final PanicGuard panicGuard;
    private final TreeMap<String, FleetRoute> routes = new TreeMap<>();
    /** Routes scheduled for reconciliation, by (dueAt, route). */
    private final TreeSet<Due> due = new TreeSet<>();
    private final Set<String> dirty = new LinkedHashSet<>();
    /** Routes that may be evicted once quiet for {@code limits.idle-eviction}, by (when, route). */
    private final TreeSet<Due> evictions = new TreeSet<>();
    private final List<String> evicted = new ArrayList<>();
    /**
     * Units that may decide otherwise when another's fitness changes ({@link #onVerdict}): those with a target, or held
     * by the panic guard, without a fallback, or waiting for one. A few at a time, where a scan of all of them per
     * verdict made the fleet stage quadratic in routes (5 % of the stream thread at 5,000 routes). Sorted, so the
     * routes it schedules are marked dirty in the order a scan of {@link #routes} marked them.
     */
    private final TreeSet<String> attentive = new TreeSet<>();
    private final long idleEvictionMs;
    private final Set<String> namedRoutes;

    private record Due(long at, String route) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : route.compareTo(o.route);
        }
    }

    public FleetDecider(AppConfig config, String configVersion) {
        this.config = config;
        this.configVersion = configVersion;
        this.settleMs = config.reroute().settle().toMillis();
        this.suspectHoldMs = config.reroute().suspectHold().toMillis();
        this.alerts = new AlertFactory(config.alerts().runbookBaseUrl(), config.alerts().statusPageUrl());
        this.panicGuard = new PanicGuard(config.reroute().panicThreshold(), config.reroute().panicMinRoutes());
        this.idleEvictionMs = config.limits().idleEviction().toMillis();
        this.namedRoutes = config.namedRoutes();
    }

    // ---------------------------------------------------------------- inputs

    /** Restores a route remembered from the store (after a restart or a move of the fleet task). */
    public void restore(FleetRoute r) {
        r.compact();
        routes.put(r.route, r);
        noteAttention(r);
        if (r.dueAt != Long.MIN_VALUE) {
            due.add(new Due(r.dueAt, r.route));
        }
        scheduleEviction(r);
    }

    /** A route's new verdict at event time {@code at}. Decisions it calls for are taken by {@link #advanceTo}. */
    public void onVerdict(RouteVerdict v, long at) {
        FleetRoute r = routes.computeIfAbsent(v.key().intern(), FleetRoute::new);
        RouteVerdict old = r.verdict;
        r.verdict = v.interned();
        dirty.add(r.route);
        schedule(r, at + (needsChoice(r) ? settleMs : 0));
        scheduleEviction(r);
        boolean fitnessChanged = old == null || old.state() != v.state() || old.suspect() != v.suspect()
                || old.availabilitySuspect() != v.availabilitySuspect();
        if (fitnessChanged) {
            // Whoever points at this route, waits for a fit one, or is held by the panic guard may decide otherwise now.
            for (String key : attentive) {
                FleetRoute y = routes.get(key);
                if (y != r && (v.route().equals(y.target) || y.panicHeld || y.noFallback || y.waitingSince != Long.MIN_VALUE)) {
                    schedule(y, at + settleMs);
                }
            }
        }
    }

    /** Takes every decision due at or before {@code now}, in event-time order. */
    public void advanceTo(long now, HealthOutputs out) {
        while (!due.isEmpty() && due.first().at() <= now) {
            Due d = due.pollFirst();
            FleetRoute r = routes.get(d.route());
            r.dueAt = Long.MIN_VALUE;
            reconcile(r, d.at(), out);
        }
        while (!evictions.isEmpty() && evictions.first().at() <= now) {
            FleetRoute r = routes.get(evictions.pollFirst().route());
            if (r != null && evictable(r) && r.verdict.since() + idleEvictionMs <= now) {
                routes.remove(r.route);
                attentive.remove(r.route);
                dirty.remove(r.route);
                evicted.add(r.route);
            }
        }
    }

    /**
     * A route quiet (IDLE outside an incident) since its verdict began, that never had a command and has no alert
     * open: forgetting it changes no decision (an unknown route is as fit a fallback as an IDLE one), and a route
     * that had commands keeps its entry so its epochs keep rising.
     */
    private boolean evictable(FleetRoute r) {
        RouteVerdict v = r.verdict;
        return v != null && v.state() == HealthState.IDLE && !v.incident() && r.epoch == 0 && r.alerts().isEmpty()
                && r.dueAt == Long.MIN_VALUE && !namedRoutes.contains(v.route());
    }

    private void scheduleEviction(FleetRoute r) {
        if (r.verdict != null && r.verdict.state() == HealthState.IDLE && !r.verdict.incident()) {
            evictions.add(new Due(r.verdict.since() + idleEvictionMs, r.route));
        }
    }

    /** Routes evicted since the last call (to be deleted from the store); see {@link #evictable}. */
    public List<String> drainEvicted() {
        List<String> r = List.copyOf(evicted);
        evicted.clear();
        return r;
    }

    /** Routes changed since the last call (to be written to the store). */
    public List<FleetRoute> drainDirty() {
        List<FleetRoute> r = new ArrayList<>(dirty.size());
        for (String route : dirty) {
            r.add(routes.get(route));
        }
        dirty.clear();
        return r;
    }

    public FleetRoute route(String route) {
        return routes.get(route);
    }

    public Collection<FleetRoute> routes() {
        return routes.values();
    }

    private void schedule(FleetRoute r, long at) {
        if (r.dueAt != Long.MIN_VALUE) {
            if (r.dueAt <= at) {
                return;
            }
            due.remove(new Due(r.dueAt, r.route));
        }
        r.dueAt = at;
        due.add(new Due(at, r.route));
        dirty.add(r.route);
    }

    private boolean needsChoice(FleetRoute r) {
        RouteVerdict v = r.verdict;
        RouteOverride ov = v.override();
        boolean forced = ov != null && RouteOverride.FORCE.equals(ov.reroute());
        if (forced && ov.target() != null) {
            return false;
        }
        boolean wantsTraffic = forced || (v.desiredWeight() > 0 && v.state() != HealthState.RECOVERING);
        return wantsTraffic && (r.target == null || !FallbackChooser.stillFit(r.target, v.scope(), this));
    }

    // ---------------------------------------------------------------- FleetView

    @Override
    public HealthState stateOf(String route) {
        FleetRoute r = routes.get(route);
        return r == null || r.verdict == null ? null : r.verdict.state();
    }

    @Override
    public boolean suspect(String route) {
        FleetRoute r = routes.get(route);
        return r != null && r.verdict != null && r.verdict.suspect();
    }

    @Override
    public FleetCounts availabilityCounts(String exclude) {
        int active = 0;
        int unavailable = 0;
        for (FleetRoute r : routes.values()) {
            // Scopes are parts of routes: the guard counts routes.
            if (r.verdict == null || r.verdict.scoped() || r.route.equals(exclude)) {
                continue;
            }
            HealthState s = r.verdict.state();
            if (s == HealthState.IDLE || s == HealthState.BLOCKED) {
                continue;
            }
            active++;
            // A route whose errors are bursting counts before its own rule trips: outages that start
            // together must engage the guard before the first of them is moved.
            if (s == HealthState.UNAVAILABLE || (r.verdict.availabilitySuspect() && !s.isUnhealthy())) {
                unavailable++;
            }
        }
        return new FleetCounts(active, unavailable);
    }

    // ---------------------------------------------------------------- decisions

    private void reconcile(FleetRoute r, long now, HealthOutputs out) {
        dirty.add(r.route);
        String before = r.target + "|" + r.weight;
        reconcileReroute(r, now, out);
        noteAttention(r);
        if (!r.verdict.scoped() && !before.equals(r.target + "|" + r.weight)) {
            // The route's reroute changed: whether it covers its scopes did too. Looked at after reroute.settle, as
            // any new choice: a scope healing with its route must not get a command of its own for an instant.
            for (FleetRoute s : scopesOf(r.route)) {
                if (s.target != null || s.verdict.desiredWeight() > 0) {
                    schedule(s, now + settleMs);
                }
            }
        }
        reconcileAlerts(r, now, out);
        publishIfChanged(r, now, out);
        if (!r.verdict.scoped()) {
            out.held(r.route, r.panicHeld, r.noFallback);
        }
        if (r.waitingSince != Long.MIN_VALUE) {
            schedule(r, Math.max(now + 1, r.waitingSince + suspectHoldMs));
        }
        if (r.target != null && r.lastIssuedAt != Long.MIN_VALUE) {
            schedule(r, Math.max(now + 1, r.lastIssuedAt + config.reroute().ttl().toMillis() / 2));
        }
    }

    /** Files {@code r} in {@link #attentive} or takes it out, after anything that changes what it waits for. */
    private void noteAttention(FleetRoute r) {
        if (r.target != null || r.panicHeld || r.noFallback || r.waitingSince != Long.MIN_VALUE) {
            attentive.add(r.route);
        } else {
            attentive.remove(r.route);
        }
    }

    private void reconcileReroute(FleetRoute r, long now, HealthOutputs out) {
        RouteVerdict v = r.verdict;
        r.noFallback = false;
        r.panicHeld = false;
        if (!config.reroute().enabled()) {
            return;
        }
        RouteOverride ov = v.override();
        boolean forced = ov != null && RouteOverride.FORCE.equals(ov.reroute());
        boolean forbidden = ov != null && RouteOverride.FORBID.equals(ov.reroute());
        double desired;
        String reason;
        if (forbidden) {
            desired = 0;
            reason = "override.forbid";
        } else if (forced) {
            desired = 1.0;
            reason = "override.force";
        } else if (v.desiredWeight() < 0) {
            // IDLE keeps the last decision, and keeps it in force: an expired command would send all traffic back.
            r.waitingSince = Long.MIN_VALUE;
            if (r.target != null) {
                refreshIfDue(r, now, out);
            }
            return;
        } else {
            // A route that recovers without ever having been moved has nothing to restore.
            desired = v.state() == HealthState.RECOVERING && r.target == null ? 0 : v.desiredWeight();
            reason = v.desiredReason();
        }
        if (v.scoped() && desired > 0) {
            FleetRoute parent = routes.get(v.route());
            if (parent != null && parent.verdict != null) {
                if (parent.target != null && (parent.weight >= desired || parent.verdict.state() == HealthState.RECOVERING)) {
                    // The route's own reroute already moves this scope's calls: one command, not one per scope. While
                    // the route restores in steps its scopes follow it: a scope that failed with the route enters its
                    // own recovery a moment later than the route (fewer calls, a later start), and must not be moved
                    // away wholesale as the route comes back (measured: a region of an outage rerouted 0.3 s after its
                    // route's first restore step). One still failing once the route is restored is rerouted then.
                    desired = 0;
                    reason = "scope.covered_by_route";
                } else if (r.target == null && (parent.verdict.incident() || parent.verdict.suspect())
                        && now - v.since() < suspectHoldMs) {
                    // The route itself shows fresh errors: it may be failing as a whole; wait for it a moment.
                    schedule(r, v.since() + suspectHoldMs);
                    return;
                }
            }
        }
        if (desired == 0) {
            r.waitingSince = Long.MIN_VALUE;
            if (r.target != null) {
                issue(r, RerouteAction.RESTORE, r.target, 0, reason, now, out);
                r.target = null;
                r.weight = 0;
            }
            return;
        }
        String target;
        String route = v.route();
        FallbackChooser.Need need = need(v);
        if (forced && ov.target() != null) {
            target = ov.target();
        } else if (r.target != null && FallbackChooser.stillFit(r.target, v.scope(), this)) {
            target = r.target;
        } else {
            target = FallbackChooser.choose(route, config.fallbacksOf(route), this, false, need);
            if (target == null) {
                String suspectTarget = FallbackChooser.choose(route, config.fallbacksOf(route), this, true, need);
                if (suspectTarget != null) {
                    // Only routes with fresh errors are left: wait for them to clear or fail, up to the suspect hold.
                    if (r.waitingSince == Long.MIN_VALUE) {
                        r.waitingSince = now;
                    }
                    if (now - r.waitingSince < suspectHoldMs) {
                        if (r.target != null) {
                            refreshIfDue(r, now, out);
                        }
                        return;
                    }
                    target = suspectTarget;
                }
            }
        }
        r.waitingSince = Long.MIN_VALUE;
        if (target == null) {
            // Nothing fit to take the traffic: keep what we have rather than thrash, and say so. A command to a
            // target that has turned unhealthy is not refreshed, though: it lapses at expires_at, and traffic goes
            // home, unless a fit fallback appears first.
            r.noFallback = r.target == null || !FallbackChooser.stillFit(r.target, v.scope(), this);
            if (r.target != null && !r.noFallback) {
                refreshIfDue(r, now, out);
            }
            return;
        }
        boolean availabilityCause = !forced && v.state() == HealthState.UNAVAILABLE && r.target == null
                && !"override".equals(v.incidentClass());
        if (availabilityCause && panicGuard.engaged(route, this)) {
            r.panicHeld = true;
            return;
        }
        if (r.target == null || !target.equals(r.target) || desired != r.weight) {
            RerouteAction action = r.target != null && target.equals(r.target) && desired < r.weight
                    ? RerouteAction.RESTORE : RerouteAction.REROUTE;
            r.target = target;
            r.weight = desired;
            r.rerouteReason = reason;
            issue(r, action, target, desired, reason, now, out);
        } else {
            refreshIfDue(r, now, out);
        }
    }

    private void refreshIfDue(FleetRoute r, long now, HealthOutputs out) {
        if (r.lastIssuedAt != Long.MIN_VALUE && now - r.lastIssuedAt >= config.reroute().ttl().toMillis() / 2) {
            issue(r, RerouteAction.REROUTE, r.target, r.weight, r.rerouteReason, now, out);
        }
    }

    /**
     * Issues a command with the next epoch: {@code max(previous + 1, now)}, {@code now} being the decision's event
     * time in ms. Seeding from event time keeps epochs growing across an application reset, which wipes the
     * fleet's store: the first command about newer evidence outranks every command issued before it, so routing
     * clients that remember the old epochs still apply it. And it stays a function of the telemetry alone, so a
     * backlog, a live run and a backtest of the same input give the same epochs. A command replayed from the
     * same evidence gets the same epoch, which clients drop as the replay it is.
     */
    private void issue(FleetRoute r, RerouteAction action, String target, double weight, String reason, long now,
                       HealthOutputs out) {
        r.epoch = Math.max(r.epoch + 1, now);
        r.lastIssuedAt = now;
        RouteVerdict v = r.verdict;
        out.command(new RerouteCommand(r.route + "#" + r.epoch, v.route(), action, target, weight,
                config.reroute().probeShare(), reason, v.state(), v.evidence(), Instant.ofEpochMilli(now),
                Instant.ofEpochMilli(now + config.reroute().ttl().toMillis()), r.epoch, v.scope()), now);
    }

    /** The cause and the family the fallback chooser needs to know of. */
    private FallbackChooser.Need need(RouteVerdict v) {
        String family = config.familyOf(v.route());
        return new FallbackChooser.Need(v.scope(), v.incidentClass(),
                family == null ? List.of() : config.families().get(family));
    }

    // ---------------------------------------------------------------- incident alerts

    private void reconcileAlerts(FleetRoute r, long now, HealthOutputs out) {
        RouteVerdict v = r.verdict;
        Map<String, String[]> desired = new LinkedHashMap<>();
        boolean inIncident = v.incident() && !coveredByRoute(r, now);
        String subject = subject(v);
        String where = r.target != null
                ? "; traffic rerouted to " + r.target + (r.weight < 1 ? " (" + pct(r.weight) + ")" : "")
                : r.noFallback ? "; no healthy fallback: traffic NOT moved"
                : r.panicHeld ? "; reroute held by the panic guard" : "";
        if (inIncident && OutcomeClass.POLICY_BLOCK.wireName().equals(v.incidentClass())) {
            desired.put(AlertFactory.ROUTE_BLOCKED, new String[]{AlertFactory.PAGE,
                    subject + " " + v.state() + ": " + v.reason() + where});
        } else if (inIncident) {
            desired.put(AlertFactory.ROUTE_UNAVAILABLE, new String[]{AlertFactory.PAGE,
                    subject + " " + v.state() + ": " + v.reason() + where});
        }
        if (v.state() == HealthState.DEGRADED && !v.scoped()) {
            desired.put(AlertFactory.ROUTE_DEGRADED, new String[]{AlertFactory.WARNING, subject + " DEGRADED: " + v.reason()});
        }
        if (r.noFallback && inIncident) {
            desired.put(AlertFactory.ROUTE_NO_FALLBACK, new String[]{AlertFactory.PAGE, subject + " is "
                    + v.state() + " and no route of its fallback chain " + config.fallbacksOf(v.route())
                    + " is healthy: traffic was not moved"});
        }
        if (r.panicHeld) {
            desired.put(AlertFactory.ROUTE_REROUTE_HELD, new String[]{AlertFactory.PAGE, subject
                    + " is UNAVAILABLE but the panic guard holds its reroute: more than "
                    + pct(config.reroute().panicThreshold()) + " of active routes look unavailable at once"
                    + " (network or telemetry fault?)"});
        }
        for (Iterator<Map.Entry<String, OpenAlert>> it = r.alerts().entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, OpenAlert> e = it.next();
            if (desired.containsKey(e.getKey())) {
                continue;
            }
            out.alert(routeAlert(r, e.getKey(), e.getValue(), now), now);
            it.remove();
        }
        boolean silenced = v.override() != null && v.override().silenceAlerts();
        for (Map.Entry<String, String[]> e : desired.entrySet()) {
            OpenAlert open = r.alerts().get(e.getKey());
            if (open != null) {
                // A silence holds back updates too; the first evaluation after it ends sends the news.
                if (!silenced && !open.summary().equals(e.getValue()[1])) {
                    // Same incident, new facts (another target, a restore step): re-send it, same fingerprint,
                    // so Alertmanager shows the on-call what the automation is doing now.
                    open.update(e.getValue()[1], describe(r));
                    out.alert(routeAlert(r, e.getKey(), open, null), now);
                }
                continue;
            }
            if (silenced) {
                continue;
            }
            OpenAlert a = new OpenAlert(AlertFactory.fingerprint(e.getKey(), r.route + "[]", now), now,
                    e.getValue()[0], e.getValue()[1], describe(r));
            r.openAlert(e.getKey(), a);
            out.alert(routeAlert(r, e.getKey(), a, null), now);
        }
    }

    private Alert routeAlert(FleetRoute r, String name, OpenAlert a, Long endsAt) {
        RouteVerdict v = r.verdict;
        Map<String, String> labels = new TreeMap<>();
        if (v.scoped()) {
            labels.put("scope", v.scopeText());
        }
        String family = config.familyOf(v.route());
        if (family != null) {
            labels.put("family", family);
        }
        Alert alert = alerts.routeAlert(name, a.severity(), v.route(), v.provider(), v.model(), labels, a.summary(),
                a.description(), a.startsAt(), endsAt);
        // An annotation, not a label: the override must not change the incident's fingerprint.
        return v.override() == null ? alert : AlertFactory.annotated(alert, AlertFactory.OVERRIDE_AUTHOR, authorOf(v.override()));
    }

    /**
     * Who answers for an override. The parser stamps every override it accepts; one restored from a state
     * written before it did may have none.
     */
    private static String authorOf(RouteOverride o) {
        return o.author() == null ? RouteOverride.UNKNOWN_AUTHOR : o.author();
    }

    /** "anthropic/claude-fable-5", or "anthropic/claude-fable-5 in region=eu-west-1" for a scope. */
    private static String subject(RouteVerdict v) {
        return v.scoped() ? v.route() + " in " + v.scopeText() : v.route();
    }

    /**
     * A scope does not page on its own while its route is in an incident (the route's page covers it and
     * lists its scopes), nor, for {@code reroute.suspect-hold} after the scope's incident began, while the
     * route itself shows fresh errors: scopes that fail together with their route page once, as the route.
     */
    private boolean coveredByRoute(FleetRoute r, long now) {
        RouteVerdict v = r.verdict;
        if (!v.scoped()) {
            return false;
        }
        FleetRoute parent = routes.get(v.route());
        if (parent == null || parent.verdict == null) {
            return false;
        }
        if (parent.verdict.incident()) {
            return true;
        }
        if (parent.verdict.suspect() && now - v.since() < suspectHoldMs) {
            schedule(r, v.since() + suspectHoldMs);
            return true;
        }
        return false;
    }

    private String describe(FleetRoute r) {
        RouteVerdict v = r.verdict;
        StringBuilder b = new StringBuilder();
        b.append("State ").append(v.state()).append(" since ").append(Instant.ofEpochMilli(v.since())).append(".");
        if (v.evidence() != null) {
            Evidence e = v.evidence();
            b.append(" Rule ").append(e.rule()).append(": ").append(e.errors()).append(" of ").append(e.calls())
                    .append(" calls (").append(pct(e.ratio())).append(") between ").append(e.windowStart())
                    .append(" and ").append(e.windowEnd()).append(", threshold ").append(pct(e.threshold())).append(".");
        }
        b.append(r.target != null ? " Automation moved traffic to " + r.target + "." : " No traffic was moved.");
        if (!v.scoped()) {
            List<String> scoped = new ArrayList<>();
            for (FleetRoute s : scopesOf(v.route())) {
                if (s.verdict.state() != HealthState.HEALTHY && s.verdict.state() != HealthState.IDLE) {
                    scoped.add(s.verdict.scopeText() + " " + s.verdict.state());
                }
            }
            if (!scoped.isEmpty()) {
                b.append(" Scopes: ").append(String.join(", ", scoped)).append(".");
            }
        }
        String family = config.familyOf(v.route());
        if (family != null) {
            List<String> others = new ArrayList<>();
            for (String member : config.families().get(family)) {
                HealthState st = stateOf(member);
                if (!member.equals(v.route()) && st != null) {
                    others.add(member + " " + st);
                }
            }
            b.append(" Family ").append(family).append(others.isEmpty() ? "" : ": " + String.join(", ", others)).append(".");
        }
        String radius = BlastRadius.describe(subject(v), v.callers());
        if (!radius.isEmpty()) {
            b.append(' ').append(radius);
        }
        if (v.override() != null) {
            b.append(" Operator override active").append(RouteHealth.overrideSuffix(v.override())).append(".");
        }
        b.append(" Config ").append(configVersion).append(".");
        return b.toString();
    }

    // ---------------------------------------------------------------- state records

    private void publishIfChanged(FleetRoute r, long now, HealthOutputs out) {
        RouteVerdict v = r.verdict;
        String overrideText = v.override() == null ? null : RouteHealth.describeOverride(v.override());
        String signature = v.state() + "|" + r.target + "|" + r.weight + "|" + overrideText;
        if (v.scoped()) {
            if (!signature.equals(r.publishedSignature)) {
                r.publishedSignature = signature.intern();
                out.scopeState(v.route(), v.scopeText(), v.state());
            }
            // A scope's state is part of its route's record.
            FleetRoute parent = routes.get(v.route());
            if (parent != null && parent.verdict != null) {
                publishIfChanged(parent, now, out);
            }
            return;
        }
        StringBuilder scopes = new StringBuilder(signature);
        for (FleetRoute s : scopesOf(r.route)) {
            if (s.verdict.state() != HealthState.HEALTHY) {
                scopes.append('|').append(s.route).append('=').append(s.publishedSignature);
            }
        }
        signature = scopes.toString();
        if (signature.equals(r.publishedSignature)) {
            return;
        }
        // Interned: a healthy route's signature is the same text as thousands of others'.
        r.publishedSignature = signature.intern();
        out.state(status(r, now), now);
    }

    /** The scopes of a route the fleet knows, in key order. */
    private Collection<FleetRoute> scopesOf(String route) {
        List<FleetRoute> out = new ArrayList<>();
        for (FleetRoute s : routes.subMap(route + Scopes.SEPARATOR, route + Scopes.SEPARATOR + "\uffff").values()) {
            if (s.verdict != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** The route's current status as a {@code model.health.state.v1} record, with its scopes that are not healthy. */
    public RouteStatus status(FleetRoute r, long now) {
        RouteVerdict v = r.verdict;
        List<ScopeStatus> scopes = new ArrayList<>();
        for (FleetRoute s : scopesOf(v.route())) {
            RouteVerdict sv = s.verdict;
            if (sv.state() == HealthState.HEALTHY || (sv.state() == HealthState.IDLE && !sv.incident())) {
                continue;
            }
            scopes.add(new ScopeStatus(sv.scope(), sv.state(), Instant.ofEpochMilli(sv.since()), sv.reason(), s.target,
                    s.target == null ? null : s.weight, sv.callers()));
        }
        return new RouteStatus(v.route(), v.provider(), v.model(), v.state(), v.previousState(),
                Instant.ofEpochMilli(v.since()), v.reason(), v.state() == HealthState.IDLE ? null : v.evidence(),
                r.target, r.target == null ? null : r.weight,
                v.override() == null ? null : RouteHealth.describeOverride(v.override()), configVersion,
                Instant.ofEpochMilli(now), config.familyOf(v.route()), scopes, v.callers(),
                v.override() == null ? null : authorOf(v.override()));
    }

    private static String pct(double ratio) {
        double p = ratio * 100;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.format(Locale.ROOT, "%.1f", p)) + " %";
    }
}
