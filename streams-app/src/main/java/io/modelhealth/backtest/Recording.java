package io.modelhealth.backtest;

import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one backtest run decided, kept for the report and {@code --compare}: per route its windows
 * (the last record of each window, which holds its totals), its decisions ({@link Decision}),
 * its reroute commands and alerts, and the incidents they make ({@link RouteIncident}). Filled by
 * its {@link Recorder} while the run goes; read after it.
 */
public final class Recording {

    /** An alert record with its output timestamp. */
    public record TimedAlert(Instant at, Alert alert) {
    }

    /** A reroute command with its output timestamp. */
    public record TimedCommand(Instant at, RerouteCommand command) {
    }

    private final String name;
    private final String configVersion;
    private final Map<String, TreeMap<Instant, HealthWindow>> windows = new TreeMap<>();
    private final List<Decision> decisions = new ArrayList<>();
    private final java.util.Map<String, io.modelhealth.schemas.HealthState> lastState = new java.util.HashMap<>();
    private final List<TimedCommand> commands = new ArrayList<>();
    private final List<TimedAlert> alerts = new ArrayList<>();
    private final TreeSet<String> routes = new TreeSet<>();
    private Instant inputFrom;
    private Instant inputTo;
    private Backtest.Summary summary;

    public Recording(String name, String configVersion) {
        this.name = name;
        this.configVersion = configVersion;
    }

    /** The listener that fills this recording during {@link Backtest#run}. */
    public Backtest.Listener recorder() {
        return new Backtest.Listener() {
            @Override
            public void input(long eventTimeMs) {
                Instant t = Instant.ofEpochMilli(eventTimeMs);
                if (inputFrom == null || t.isBefore(inputFrom)) {
                    inputFrom = t;
                }
                if (inputTo == null || t.isAfter(inputTo)) {
                    inputTo = t;
                }
            }

            @Override
            public void output(Replay.Output o) {
                record(o);
            }
        };
    }

    private void record(Replay.Output o) {
        Instant at = Instant.ofEpochMilli(o.timestamp());
        if (o.value() instanceof HealthWindow w) {
            routes.add(w.route());
            windows.computeIfAbsent(w.route(), r -> new TreeMap<>()).put(w.windowStart(), w);
        } else if (o.value() instanceof RouteStatus s) {
            routes.add(s.route());
            // A route's record is re-sent when its scopes or reroute change: a decision is a change of its state.
            if (Decision.isTransition(s) && s.state() != lastState.put(s.route(), s.state())) {
                decisions.add(Decision.of(o.timestamp(), s));
            }
        } else if (o.value() instanceof RerouteCommand c) {
            routes.add(c.route());
            decisions.add(Decision.of(o.timestamp(), c));
            commands.add(new TimedCommand(at, c));
        } else if (o.value() instanceof Alert a) {
            alerts.add(new TimedAlert(at, a));
        }
    }

    /** Called with the run's summary once it is over. */
    void finish(Backtest.Summary summary) {
        this.summary = summary;
    }

    /** The first error before a detection: from the run's summary, the detection of the route closest in time. */
    private Instant firstError(String route, Instant detected) {
        Backtest.Detection best = null;
        for (Backtest.Detection d : summary == null ? List.<Backtest.Detection>of() : summary.detections()) {
            if (d.route().equals(route) && (best == null
                    || Math.abs(d.at().toEpochMilli() - detected.toEpochMilli()) < Math.abs(best.at().toEpochMilli() - detected.toEpochMilli()))) {
                best = d;
            }
        }
        return best == null ? null : best.at().minusMillis(Math.round(best.seconds() * 1000));
    }

    public String name() {
        return name;
    }

    public String configVersion() {
        return configVersion;
    }

    public Backtest.Summary summary() {
        return summary;
    }

    public Instant inputFrom() {
        return inputFrom;
    }

    public Instant inputTo() {
        return inputTo;
    }

    /** Every route seen in an output record, sorted. */
    public List<String> routes() {
        return List.copyOf(routes);
    }

    public List<Decision> decisions() {
        return Collections.unmodifiableList(decisions);
    }

    public List<Decision> decisions(String route) {
        return decisions.stream().filter(d -> d.route().equals(route)).toList();
    }

    public List<HealthWindow> windows(String route) {
        return List.copyOf(windows.getOrDefault(route, new TreeMap<>()).values());
    }

    public List<TimedCommand> commands(String route) {
        return commands.stream().filter(c -> c.command().route().equals(route)).toList();
    }

    public List<TimedCommand> commands() {
        return Collections.unmodifiableList(commands);
    }

    public List<TimedAlert> alerts() {
        return Collections.unmodifiableList(alerts);
    }

    /** Alerts about one route ({@code labels.route}); provider-wide alerts are listed under {@link #alerts()}. */
    public List<TimedAlert> alerts(String route) {
        return alerts.stream().filter(a -> route.equals(a.alert().labels().get("route"))).toList();
    }

    /**
     * The incidents: a route entering UNAVAILABLE or BLOCKED from a state that is not unhealthy
     * opens one; its next HEALTHY closes it. Detected when it opened, rerouted at its first
     * REROUTE, restored at the RESTORE of weight 0 (or when it closed).
     */
    public List<RouteIncident> incidents() {
        List<RouteIncident> out = new ArrayList<>();
        for (String route : routes) {
            RouteIncident.Builder open = null;
            List<Decision> ds = decisions(route);
            for (Decision d : ds) {
                if (d.kind().equals(Decision.STATE)) {
                    HealthState s = HealthState.valueOf(d.detail());
                    if (open == null && (s == HealthState.UNAVAILABLE || s == HealthState.BLOCKED)) {
                        open = new RouteIncident.Builder(route, s, d.reason(), firstError(route, d.at()), d.at());
                    } else if (open != null && s == HealthState.HEALTHY) {
                        out.add(open.closed(d.at()));
                        open = null;
                    }
                } else if (open != null && d.kind().equals(RerouteAction.REROUTE.name())) {
                    open.rerouted(d.at(), d.detail());
                } else if (open != null && d.kind().equals(RerouteAction.RESTORE.name()) && d.detail().endsWith(" 0%")) {
                    open.restored(d.at());
                }
            }
            if (open != null) {
                out.add(open.closed(null));
            }
        }
        out.sort(java.util.Comparator.comparing(RouteIncident::detectedAt).thenComparing(RouteIncident::route));
        return out;
    }
}
