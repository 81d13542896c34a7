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
 *   onVerdict(verdict, at) ─┐                               ┌─▶ command (REROUTE / RESTORE, epoch + 1)
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
    private final Map<String, FleetRoute> routes = new TreeMap<>();
    /** Routes scheduled for reconciliation, by (dueAt, route). */
    private final TreeSet<Due> due = new TreeSet<>();
    private final Set<String> dirty = new LinkedHashSet<>();

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
    }

    // ---------------------------------------------------------------- inputs

    /** Restores a route remembered from the store (after a restart or a move of the fleet task). */
    public void restore(FleetRoute r) {
        routes.put(r.route, r);
        if (r.dueAt != Long.MIN_VALUE) {
            due.add(new Due(r.dueAt, r.route));
        }
    }

    /** A route's new verdict at event time {@code at}. Decisions it calls for are taken by {@link #advanceTo}. */
    public void onVerdict(RouteVerdict v, long at) {
        FleetRoute r = routes.computeIfAbsent(v.route(), FleetRoute::new);
        RouteVerdict old = r.verdict;
        r.verdict = v;
        dirty.add(r.route);
        schedule(r, at + (needsChoice(r) ? settleMs : 0));
        boolean fitnessChanged = old == null || old.state() != v.state() || old.suspect() != v.suspect()
                || old.availabilitySuspect() != v.availabilitySuspect();
        if (fitnessChanged) {
            // Whoever points at this route, waits for a fit one, or is held by the panic guard may decide otherwise now.
            for (FleetRoute y : routes.values()) {
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
        return wantsTraffic && (r.target == null || !FallbackChooser.stillFit(r.target, this));
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
            if (r.verdict == null || r.route.equals(exclude)) {
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
        reconcileReroute(r, now, out);
        reconcileAlerts(r, now, out);
        publishIfChanged(r, now, out);
        out.held(r.route, r.panicHeld, r.noFallback);
        if (r.waitingSince != Long.MIN_VALUE) {
            schedule(r, Math.max(now + 1, r.waitingSince + suspectHoldMs));
        }
        if (r.target != null && r.lastIssuedAt != Long.MIN_VALUE) {
            schedule(r, Math.max(now + 1, r.lastIssuedAt + config.reroute().ttl().toMillis() / 2));
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
        if (forced && ov.target() != null) {
            target = ov.target();
        } else if (r.target != null && FallbackChooser.stillFit(r.target, this)) {
            target = r.target;
        } else {
            target = FallbackChooser.choose(r.route, config.fallbacksOf(r.route), this, false);
            if (target == null) {
                String suspectTarget = FallbackChooser.choose(r.route, config.fallbacksOf(r.route), this, true);
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
            r.noFallback = r.target == null || !FallbackChooser.stillFit(r.target, this);
            if (r.target != null && !r.noFallback) {
                refreshIfDue(r, now, out);
            }
            return;
        }
        boolean availabilityCause = !forced && v.state() == HealthState.UNAVAILABLE && r.target == null
                && !"override".equals(v.incidentClass());
        if (availabilityCause && panicGuard.engaged(r.route, this)) {
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

    private void issue(FleetRoute r, RerouteAction action, String target, double weight, String reason, long now,
                       HealthOutputs out) {
        r.epoch++;
        r.lastIssuedAt = now;
        RouteVerdict v = r.verdict;
        out.command(new RerouteCommand(r.route + "#" + r.epoch, r.route, action, target, weight,
                config.reroute().probeShare(), reason, v.state(), v.evidence(), Instant.ofEpochMilli(now),
                Instant.ofEpochMilli(now + config.reroute().ttl().toMillis()), r.epoch), now);
    }

    // ---------------------------------------------------------------- incident alerts

    private void reconcileAlerts(FleetRoute r, long now, HealthOutputs out) {
        RouteVerdict v = r.verdict;
        Map<String, String[]> desired = new LinkedHashMap<>();
        boolean inIncident = v.incident();
        String where = r.target != null
                ? "; traffic rerouted to " + r.target + (r.weight < 1 ? " (" + pct(r.weight) + ")" : "")
                : r.noFallback ? "; no healthy fallback: traffic NOT moved"
                : r.panicHeld ? "; reroute held by the panic guard" : "";
        if (inIncident && OutcomeClass.POLICY_BLOCK.wireName().equals(v.incidentClass())) {
            desired.put(AlertFactory.ROUTE_BLOCKED, new String[]{AlertFactory.PAGE,
                    r.route + " " + v.state() + ": " + v.reason() + where});
        } else if (inIncident) {
            desired.put(AlertFactory.ROUTE_UNAVAILABLE, new String[]{AlertFactory.PAGE,
                    r.route + " " + v.state() + ": " + v.reason() + where});
        }
        if (v.state() == HealthState.DEGRADED) {
            desired.put(AlertFactory.ROUTE_DEGRADED, new String[]{AlertFactory.WARNING, r.route + " DEGRADED: " + v.reason()});
        }
        if (r.noFallback && inIncident) {
            desired.put(AlertFactory.ROUTE_NO_FALLBACK, new String[]{AlertFactory.PAGE, r.route + " is "
                    + v.state() + " and no route of its fallback chain " + config.fallbacksOf(r.route)
                    + " is healthy: traffic was not moved"});
        }
        if (r.panicHeld) {
            desired.put(AlertFactory.ROUTE_REROUTE_HELD, new String[]{AlertFactory.PAGE, r.route
                    + " is UNAVAILABLE but the panic guard holds its reroute: more than "
                    + pct(config.reroute().panicThreshold()) + " of active routes look unavailable at once"
                    + " (network or telemetry fault?)"});
        }
        for (Iterator<Map.Entry<String, OpenAlert>> it = r.openAlerts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, OpenAlert> e = it.next();
            if (desired.containsKey(e.getKey())) {
                continue;
            }
            out.alert(routeAlert(r, e.getKey(), e.getValue(), now), now);
            it.remove();
        }
        boolean silenced = v.override() != null && v.override().silenceAlerts();
        for (Map.Entry<String, String[]> e : desired.entrySet()) {
            OpenAlert open = r.openAlerts.get(e.getKey());
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
            r.openAlerts.put(e.getKey(), a);
            out.alert(routeAlert(r, e.getKey(), a, null), now);
        }
    }

    private Alert routeAlert(FleetRoute r, String name, OpenAlert a, Long endsAt) {
        RouteVerdict v = r.verdict;
        return alerts.routeAlert(name, a.severity(), r.route, v.provider(), v.model(), Map.of(), a.summary(),
                a.description(), a.startsAt(), endsAt);
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
        if (signature.equals(r.publishedSignature)) {
            return;
        }
        r.publishedSignature = signature;
        out.state(status(r, now), now);
    }

    /** The route's current status as a {@code model.health.state.v1} record. */
    public RouteStatus status(FleetRoute r, long now) {
        RouteVerdict v = r.verdict;
        return new RouteStatus(r.route, v.provider(), v.model(), v.state(), v.previousState(),
                Instant.ofEpochMilli(v.since()), v.reason(), v.state() == HealthState.IDLE ? null : v.evidence(),
                r.target, r.target == null ? null : r.weight,
                v.override() == null ? null : RouteHealth.describeOverride(v.override()), configVersion,
                Instant.ofEpochMilli(now));
    }

    private static String pct(double ratio) {
        double p = ratio * 100;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.format(Locale.ROOT, "%.1f", p)) + " %";
    }
}
