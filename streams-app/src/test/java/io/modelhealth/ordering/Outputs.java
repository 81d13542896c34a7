package io.modelhealth.ordering;

import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run of the monitor decided, whichever engine ran it (the {@code backtest} replay or a
 * live app read back read_committed): its reroute commands, state changes and closed windows, each
 * in the order it was produced (per route: the order of the route's partition).
 */
public record Outputs(List<RerouteCommand> commands, List<RouteStatus> states, List<HealthWindow> windows) {

    public Outputs {
        commands = List.copyOf(commands);
        states = List.copyOf(states);
        windows = List.copyOf(windows);
    }

    /** Commands issued (event time) up to {@code end}: what a live run is compared on. */
    public List<RerouteCommand> commandsUpTo(Instant end) {
        return commands.stream().filter(c -> !c.issuedAt().isAfter(end)).toList();
    }

    /** The last record of each (route, window_start): a re-emitted window carries the full totals. */
    Map<String, HealthWindow> finalWindows() {
        Map<String, HealthWindow> last = new LinkedHashMap<>();
        windows.forEach(w -> last.put(w.route() + "@" + w.windowStart(), w));
        return last;
    }

    /** Calls counted in the final windows that end by {@code t}, over every route. */
    long callsInWindowsEndingBy(Instant t) {
        return callsInWindowsEndingByPerRoute(t).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Calls counted in the final windows that end by {@code t}, per route. */
    Map<String, Long> callsInWindowsEndingByPerRoute(Instant t) {
        Map<String, Long> m = new java.util.TreeMap<>();
        finalWindows().values().stream().filter(w -> !w.windowEnd().isAfter(t))
                .forEach(w -> m.merge(w.route(), w.calls(), Long::sum));
        return m;
    }
}
