package io.modelhealth.backtest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code backtest --compare}: what two configurations did differently over the same input.
 *
 * <p>Decisions ({@link Decision}) are matched by {@link Decision#identity()} (route, kind, new
 * state or target and weight): in time order, each decision of A takes the earliest unmatched
 * decision of B with the same identity at most {@code tolerance} away. What is left unmatched on
 * either side is a decision only that config made. Incidents are paired per route when their spans
 * overlap, so detection and restore times can be read side by side.
 *
 * @param a          the run with {@code --config}
 * @param b          the run with {@code --compare}
 * @param tolerance  how far apart in event time two decisions may be and still be the same
 * @param onlyA      decisions only A made, in time order
 * @param onlyB      decisions only B made, in time order
 * @param incidents  incidents side by side
 */
public record Comparison(Recording a, Recording b, Duration tolerance, List<Decision> onlyA, List<Decision> onlyB,
                         List<Pair> incidents) {

    /** An incident of A and the overlapping one of B on the same route; either may be null. */
    public record Pair(String route, RouteIncident a, RouteIncident b) {
    }

    public static Comparison of(Recording a, Recording b, Duration tolerance) {
        List<Decision> onlyA = new ArrayList<>();
        List<Decision> onlyB = new ArrayList<>();
        Map<String, List<Decision>> byIdA = byIdentity(a.decisions());
        Map<String, List<Decision>> byIdB = byIdentity(b.decisions());
        java.util.Set<String> ids = new java.util.TreeSet<>(byIdA.keySet());
        ids.addAll(byIdB.keySet());
        for (String id : ids) {
            match(byIdA.getOrDefault(id, List.of()), byIdB.getOrDefault(id, List.of()), tolerance, onlyA, onlyB);
        }
        Comparator<Decision> order = Comparator.comparing(Decision::at).thenComparing(Decision::route).thenComparing(Decision::identity);
        onlyA.sort(order);
        onlyB.sort(order);
        return new Comparison(a, b, tolerance, List.copyOf(onlyA), List.copyOf(onlyB), pair(a.incidents(), b.incidents()));
    }

    private static Map<String, List<Decision>> byIdentity(List<Decision> ds) {
        Map<String, List<Decision>> m = new TreeMap<>();
        for (Decision d : ds) {
            m.computeIfAbsent(d.identity(), k -> new ArrayList<>()).add(d);
        }
        return m;
    }

    /** Greedy in time order; both lists are in time order already (the order of the output records). */
    private static void match(List<Decision> as, List<Decision> bs, Duration tolerance, List<Decision> onlyA, List<Decision> onlyB) {
        boolean[] used = new boolean[bs.size()];
        for (Decision d : as) {
            int found = -1;
            for (int j = 0; j < bs.size(); j++) {
                if (!used[j] && Duration.between(d.at(), bs.get(j).at()).abs().compareTo(tolerance) <= 0) {
                    found = j;
                    break;
                }
            }
            if (found >= 0) {
                used[found] = true;
            } else {
                onlyA.add(d);
            }
        }
        for (int j = 0; j < bs.size(); j++) {
            if (!used[j]) {
                onlyB.add(bs.get(j));
            }
        }
    }

    private static List<Pair> pair(List<RouteIncident> as, List<RouteIncident> bs) {
        List<Pair> out = new ArrayList<>();
        List<RouteIncident> left = new ArrayList<>(bs);
        for (RouteIncident x : as) {
            RouteIncident match = null;
            for (RouteIncident y : left) {
                if (y.route().equals(x.route()) && x.overlaps(y.detectedAt(), y.endedAt())) {
                    match = y;
                    break;
                }
            }
            if (match != null) {
                left.remove(match);
            }
            out.add(new Pair(x.route(), x, match));
        }
        for (RouteIncident y : left) {
            out.add(new Pair(y.route(), null, y));
        }
        out.sort(Comparator.comparing((Pair p) -> p.a() != null ? p.a().detectedAt() : p.b().detectedAt()).thenComparing(Pair::route));
        return out;
    }

    /** The terminal's account of the differences. */
    public List<String> lines(Instant origin, Labels labels) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "decisions: A %d, B %d; only A %d, only B %d (matched within %s)",
                a.decisions().size(), b.decisions().size(), onlyA.size(), onlyB.size(), Times.seconds(tolerance)));
        for (Decision d : onlyA) {
            lines.add("  only A " + Times.describe(d, origin));
        }
        for (Decision d : onlyB) {
            lines.add("  only B " + Times.describe(d, origin));
        }
        lines.add(String.format(Locale.ROOT, "  %-50s %-26s %-26s", "incident of route", "A: detect / rerouted for", "B: detect / rerouted for"));
        for (Pair p : incidents) {
            lines.add(String.format(Locale.ROOT, "  %-50s %-26s %-26s", p.route(), Times.incident(p.a(), a.inputTo()),
                    Times.incident(p.b(), b.inputTo())));
        }
        if (labels != null) {
            for (Recording r : List.of(a, b)) {
                Labels.Score s = labels.score(r, tolerance);
                lines.add(String.format(Locale.ROOT, "labels, %s: %d of %d incidents rerouted, %d missed, %d false reroutes",
                        r.name(), s.caught(), s.expected(), s.missed().size(), s.falseReroutes().size()));
            }
        }
        return lines;
    }
}
