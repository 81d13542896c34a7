package io.modelhealth.health;

import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * {@link HealthOutputs} that keeps every output, in order, as {@link Out} (kind, route, record
 * timestamp, record). Records are Java records, so two runs compare with {@code equals}.
 */
public final class RecordedOutputs implements HealthOutputs {

    public enum Kind { WINDOW, ANOMALY, STATE, COMMAND, ALERT, LATE, DETECTED }

    /** One output: {@code value} is the record (or, for LATE and DETECTED, a short description). */
    public record Out(Kind kind, String route, long timestamp, Object value) {
    }

    private final List<Out> all = new ArrayList<>();
    private final BiConsumer<String, RouteStatus> onState;

    private final java.util.function.ObjLongConsumer<RouteVerdict> onVerdict;

    public RecordedOutputs(BiConsumer<String, RouteStatus> onState) {
        this(onState, (v, ts) -> {
        });
    }

    public RecordedOutputs(BiConsumer<String, RouteStatus> onState, java.util.function.ObjLongConsumer<RouteVerdict> onVerdict) {
        this.onState = onState;
        this.onVerdict = onVerdict;
    }

    @Override
    public void verdict(RouteVerdict verdict, long timestamp) {
        onVerdict.accept(verdict, timestamp);
    }

    @Override
    public void window(HealthWindow window, long timestamp) {
        all.add(new Out(Kind.WINDOW, window.route(), timestamp, window));
    }

    @Override
    public void anomaly(Anomaly anomaly, long timestamp) {
        all.add(new Out(Kind.ANOMALY, anomaly.route(), timestamp, anomaly));
    }

    @Override
    public void state(RouteStatus status, long timestamp) {
        all.add(new Out(Kind.STATE, status.route(), timestamp, status));
        onState.accept(status.route(), status);
    }

    @Override
    public void command(RerouteCommand command, long timestamp) {
        all.add(new Out(Kind.COMMAND, command.route(), timestamp, command));
    }

    @Override
    public void alert(Alert alert, long timestamp) {
        all.add(new Out(Kind.ALERT, alert.labels().get("route"), timestamp, alert));
    }

    @Override
    public void late(String route) {
        all.add(new Out(Kind.LATE, route, -1, "late"));
    }

    @Override
    public void detected(String route, String rule, double seconds) {
        all.add(new Out(Kind.DETECTED, route, -1, rule + " after " + seconds + " s"));
    }

    public List<Out> all() {
        return all;
    }

    public void clear() {
        all.clear();
    }

    public List<Out> of(Kind kind, String route) {
        List<Out> r = new ArrayList<>();
        for (Out o : all) {
            if (o.kind() == kind && (route == null || route.equals(o.route()))) {
                r.add(o);
            }
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> values(Kind kind, String route) {
        List<T> r = new ArrayList<>();
        for (Out o : of(kind, route)) {
            r.add((T) o.value());
        }
        return r;
    }

    public List<RouteStatus> states(String route) {
        return values(Kind.STATE, route);
    }

    public List<RerouteCommand> commands(String route) {
        return values(Kind.COMMAND, route);
    }

    /** REROUTE commands that move all traffic (weight 1): what "the route was rerouted" means. */
    public List<RerouteCommand> fullReroutes(String route) {
        return commands(route).stream()
                .filter(c -> c.action() == RerouteAction.REROUTE && c.weight() == 1.0)
                .toList();
    }

    public List<Alert> alerts(String route) {
        return values(Kind.ALERT, route);
    }

    public List<Alert> alerts(String route, String alertname) {
        return alerts(route).stream().filter(a -> alertname.equals(a.labels().get("alertname"))).toList();
    }

    public List<HealthWindow> windows(String route) {
        return values(Kind.WINDOW, route);
    }

    public List<Anomaly> anomalies(String route) {
        return values(Kind.ANOMALY, route);
    }

    public int lateCount(String route) {
        return of(Kind.LATE, route).size();
    }
}
