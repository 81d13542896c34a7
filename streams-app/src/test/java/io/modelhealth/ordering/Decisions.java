package io.modelhealth.ordering;

import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * "The same decisions": two lists of reroute commands agree when, per route, the sequences of
 * (action, target, weight, epoch, reason) are equal and each pair of corresponding
 * {@code issued_at} times is within a tolerance (one {@code windows.bucket}). Evidence, ids and
 * expiry are not compared: they follow from these or from the config version. On a mismatch the
 * error shows both sequences side by side, times relative to the input's start.
 */
public final class Decisions {

    /** What a routing service acts on. */
    record Decision(RerouteAction action, String target, double weight, long epoch, String reason) {
        static Decision of(RerouteCommand c) {
            return new Decision(c.action(), c.target(), c.weight(), c.epoch(), c.reason());
        }
    }

    private Decisions() {
    }

    public static Map<String, List<RerouteCommand>> byRoute(List<RerouteCommand> commands) {
        return commands.stream().collect(Collectors.groupingBy(RerouteCommand::key, TreeMap::new, Collectors.toList()));
    }

    /**
     * Throws an {@link AssertionError} showing both sequences of every route that differs.
     *
     * @param expectedName e.g. "backtest, in order"
     * @param actualName   e.g. "live, unkeyed backlog on 6 partitions"
     */
    static void assertSame(String expectedName, List<RerouteCommand> expected, String actualName, List<RerouteCommand> actual,
                           Duration tolerance, OrderingInput input) {
        assertSame(expectedName, expected, actualName, actual, tolerance, input.start());
    }

    /** The same, for any input: times shown relative to {@code start}. */
    public static void assertSame(String expectedName, List<RerouteCommand> expected, String actualName, List<RerouteCommand> actual,
                                  Duration tolerance, Instant start) {
        String diff = difference(expectedName, expected, actualName, actual, tolerance, start);
        if (diff != null) {
            throw new AssertionError(diff);
        }
    }

    /** Null when the same, else the readable difference. */
    static String difference(String expectedName, List<RerouteCommand> expected, String actualName, List<RerouteCommand> actual,
                             Duration tolerance, OrderingInput input) {
        return difference(expectedName, expected, actualName, actual, tolerance, input.start());
    }

    /** The same, for any input: times shown relative to {@code start}. */
    public static String difference(String expectedName, List<RerouteCommand> expected, String actualName, List<RerouteCommand> actual,
                                    Duration tolerance, Instant start) {
        Map<String, List<RerouteCommand>> e = byRoute(expected);
        Map<String, List<RerouteCommand>> a = byRoute(actual);
        TreeSet<String> routes = new TreeSet<>(e.keySet());
        routes.addAll(a.keySet());
        List<String> same = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (String route : routes) {
            List<RerouteCommand> x = e.getOrDefault(route, List.of());
            List<RerouteCommand> y = a.getOrDefault(route, List.of());
            if (agree(x, y, tolerance)) {
                same.add(route + " (" + x.size() + ")");
                continue;
            }
            out.append("\n  ").append(route).append(":\n");
            out.append(String.format(Locale.ROOT, "     %-3s %-78s | %s%n", "#", "expected: " + expectedName, "actual: " + actualName));
            for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
                RerouteCommand c = i < x.size() ? x.get(i) : null;
                RerouteCommand d = i < y.size() ? y.get(i) : null;
                boolean ok = c != null && d != null && agree(c, d, tolerance);
                out.append(String.format(Locale.ROOT, "   %s %-3d %-78s | %s%n", ok ? " " : "✗", i + 1, show(c, start), show(d, start)));
            }
        }
        if (out.length() == 0) {
            return null;
        }
        return "reroute decisions differ (per route: action, target, weight, epoch, reason equal and issued_at within "
                + tolerance.toMillis() / 1000.0 + " s; times relative to the input's start " + start + "):"
                + out + "  same on: " + (same.isEmpty() ? "(no route)" : String.join(", ", same));
    }

    private static boolean agree(List<RerouteCommand> x, List<RerouteCommand> y, Duration tolerance) {
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (!agree(x.get(i), y.get(i), tolerance)) {
                return false;
            }
        }
        return true;
    }

    private static boolean agree(RerouteCommand x, RerouteCommand y, Duration tolerance) {
        return Objects.equals(Decision.of(x), Decision.of(y))
                && Duration.between(x.issuedAt(), y.issuedAt()).abs().compareTo(tolerance) <= 0;
    }

    /** One command in one line: {@code REROUTE -> openai/gpt-5 w=1.0 epoch=1 policy_block.consecutive @+20.104s}. */
    static String show(RerouteCommand c, OrderingInput input) {
        return show(c, input.start());
    }

    private static String show(RerouteCommand c, Instant start) {
        if (c == null) {
            return "—";
        }
        return String.format(Locale.ROOT, "%-7s -> %-24s w=%-4s epoch=%d %-26s @%s", c.action(), c.target(),
                trim(c.weight()), c.epoch(), c.reason(), rel(start, c.issuedAt()));
    }

    /** A whole run's commands, one per line, grouped by route: for reports. */
    static String show(List<RerouteCommand> commands, OrderingInput input) {
        return show(commands, input.start());
    }

    /** The same, for any input: times relative to {@code start}. */
    public static String show(List<RerouteCommand> commands, Instant start) {
        StringBuilder out = new StringBuilder();
        byRoute(commands).forEach((route, list) -> {
            out.append("  ").append(route).append('\n');
            list.forEach(c -> out.append("      ").append(show(c, start)).append('\n'));
        });
        return out.length() == 0 ? "  (no reroute commands)\n" : out.toString();
    }

    /** "+20.104s": {@code t} relative to {@code start}, as {@link OrderingInput#rel} shows it. */
    static String rel(Instant start, Instant t) {
        if (t == null) {
            return "(none)";
        }
        return String.format(Locale.ROOT, "%+.3fs", Duration.between(start, t).toMillis() / 1000.0);
    }

    public static boolean anyIssuedWithin(List<RerouteCommand> commands, Instant from, Instant to) {
        return commands.stream().anyMatch(c -> !c.issuedAt().isBefore(from) && !c.issuedAt().isAfter(to));
    }

    private static String trim(double w) {
        return w == Math.rint(w) ? Long.toString((long) w) + ".0" : Double.toString(w);
    }
}
