package io.modelhealth.reroute;

/**
 * Like Envoy's max ejection percent: when more than {@code threshold} of the active routes look
 * unavailable at once, the fault is more likely the network or the telemetry than every model, so
 * automated availability reroutes stop (and an alert says so). Policy blocks are explicit refusals,
 * never held back, and do not count as evidence of a shared fault.
 */
public final class PanicGuard {

    private final double threshold;
    private final int minRoutes;

    public PanicGuard(double threshold, int minRoutes) {
        this.threshold = threshold;
        this.minRoutes = minRoutes;
    }

    /** Would rerouting {@code route}, which is itself unavailable, be one ejection too many? */
    public boolean engaged(String route, FleetView fleet) {
        FleetView.FleetCounts others = fleet.availabilityCounts(route);
        int active = others.active() + 1;
        int unavailable = others.unavailable() + 1;
        return active >= minRoutes && unavailable > threshold * active;
    }
}
