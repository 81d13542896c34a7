package io.modelhealth.scenario;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A scenario's calls one after another: each {@link #next} picks a route by traffic weight and
 * makes its call for the given event time. Deterministic: the same scenario, seed, start and
 * sequence of event times give the same calls. Event ids are {@code sim-<seed>-<n>}, so two runs
 * with different seeds never collide (the monitor drops duplicate ids). Not thread-safe.
 */
public final class CallGenerator {

    private final Scenario scenario;
    private final long seed;
    private final Instant start;
    private final long startMs;
    private final String idPrefix;
    private final SplittableRandom random;
    private long sequence;

    /**
     * @param start the scenario's t = 0: incidents are timed from here
     */
    public CallGenerator(Scenario scenario, long seed, Instant start) {
        this.scenario = Objects.requireNonNull(scenario, "scenario");
        this.seed = seed;
        this.start = Objects.requireNonNull(start, "start");
        this.startMs = start.toEpochMilli();
        this.idPrefix = "sim-" + seed + "-";
        this.random = new SplittableRandom(seed);
    }

    /** The next call, which finished at {@code eventTime}; its elapsed time is {@code eventTime − start}. */
    public GeneratedCall next(Instant eventTime) {
        int route = scenario.pickRouteIndex(random);
        long n = ++sequence;
        long elapsedMs = eventTime.toEpochMilli() - startMs;
        var call = scenario.call(route, elapsedMs, eventTime, idPrefix + n, random);
        return new GeneratedCall(n, scenario.routeProfiles().get(route).route(), call);
    }

    /** How many calls {@link #next} has made. */
    public long generated() {
        return sequence;
    }

    public Duration elapsedAt(Instant eventTime) {
        return Duration.between(start, eventTime);
    }

    public Scenario scenario() {
        return scenario;
    }

    public long seed() {
        return seed;
    }

    public Instant start() {
        return start;
    }
}
