package io.modelhealth.scenario;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Something that happens to some routes for a while: a share of their calls gets the outcomes of
 * {@code errors}, and/or their latency is multiplied. Times are offsets from the scenario's start.
 * Immutable; build with {@link #errors} or {@link #slowdown}, then {@link #between}, {@link #from}
 * and optionally {@link #flapping}.
 *
 * @param label         short, for progress lines: "gemini-3-pro outage"
 * @param routes        route ids it affects
 * @param from          when it starts
 * @param until         when it ends; null: never (a withdrawal)
 * @param share         share of the affected routes' calls that get one of {@code errors} (0–1)
 * @param errors        the outcomes of those calls; null when {@code share} is 0
 * @param latencyFactor multiplies the latency and ttft of calls that get an answer; 1 = unchanged
 * @param badFor        with {@code goodFor}: the incident flaps, on for {@code badFor}, then off
 *                      for {@code goodFor}, and again; null: on the whole time
 * @param goodFor       see {@code badFor}
 * @param regions       the regions whose calls it claims; empty: every region
 */
public record Incident(
        String label,
        Set<String> routes,
        Duration from,
        Duration until,
        double share,
        OutcomeMix errors,
        double latencyFactor,
        Duration badFor,
        Duration goodFor,
        Set<String> regions) {

    public Incident {
        regions = regions == null ? Set.of() : Set.copyOf(regions);
        Objects.requireNonNull(label, "label");
        routes = Set.copyOf(routes);
        if (routes.isEmpty()) {
            throw new IllegalArgumentException(label + ": an incident needs at least one route");
        }
        Objects.requireNonNull(from, "from");
        if (from.isNegative()) {
            throw new IllegalArgumentException(label + ": from must be >= 0");
        }
        if (until != null && until.compareTo(from) <= 0) {
            throw new IllegalArgumentException(label + ": until must be after from");
        }
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException(label + ": share must be between 0 and 1, got " + share);
        }
        if (share > 0 && errors == null) {
            throw new IllegalArgumentException(label + ": a share of errors needs an outcome mix");
        }
        if (!(latencyFactor > 0) || Double.isInfinite(latencyFactor)) {
            throw new IllegalArgumentException(label + ": latency factor must be > 0");
        }
        if ((badFor == null) != (goodFor == null)
                || badFor != null && (!isPositive(badFor) || !isPositive(goodFor))) {
            throw new IllegalArgumentException(label + ": flapping needs both a positive bad and good duration");
        }
    }

    /** {@code share} of the routes' calls fail with {@code errors}, from the start, for ever (until {@link #between}). */
    public static Incident errors(String label, Set<String> routes, double share, OutcomeMix errors) {
        return new Incident(label, routes, Duration.ZERO, null, share, errors, 1.0, null, null, Set.of());
    }

    /** The routes answer {@code factor} times slower, with no errors of their own. */
    public static Incident slowdown(String label, Set<String> routes, double factor) {
        return new Incident(label, routes, Duration.ZERO, null, 0, null, factor, null, null, Set.of());
    }

    public Incident between(Duration from, Duration until) {
        return new Incident(label, routes, from, Objects.requireNonNull(until, "until"), share, errors,
                latencyFactor, badFor, goodFor, regions);
    }

    /** Starts at {@code from} and never ends. */
    public Incident from(Duration from) {
        return new Incident(label, routes, from, null, share, errors, latencyFactor, badFor, goodFor, regions);
    }

    /** Alternates: on for {@code bad}, off for {@code good}, starting "on" at {@code from}. */
    public Incident flapping(Duration bad, Duration good) {
        return new Incident(label, routes, from, until, share, errors, latencyFactor, bad, good, regions);
    }

    /** Only calls from these regions (a ban by jurisdiction). */
    public Incident inRegions(String... regions) {
        return new Incident(label, routes, from, until, share, errors, latencyFactor, badFor, goodFor, Set.of(regions));
    }

    /** Whether it can claim a call from {@code region}. */
    public boolean coversRegion(String region) {
        return regions.isEmpty() || regions.contains(region);
    }

    public boolean isPermanent() {
        return until == null;
    }

    public boolean affects(String route) {
        return routes.contains(route);
    }

    /** Whether the incident is on at {@code elapsedMs} after the scenario's start. */
    public boolean activeAt(long elapsedMs) {
        long start = from.toMillis();
        if (elapsedMs < start || until != null && elapsedMs >= until.toMillis()) {
            return false;
        }
        if (badFor == null) {
            return true;
        }
        long bad = badFor.toMillis();
        return (elapsedMs - start) % (bad + goodFor.toMillis()) < bad;
    }

    public boolean activeAt(Duration elapsed) {
        return activeAt(elapsed.toMillis());
    }

    private static boolean isPositive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
