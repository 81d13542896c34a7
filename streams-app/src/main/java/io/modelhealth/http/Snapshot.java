package io.modelhealth.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * A value computed at most once per {@code maxAge} (by the injected clock), whoever asks: the
 * status page and {@code /api/routes} scan the whole store and call every peer, and every open tab
 * polls every 2 s, so without this the cost grows with the number of tabs. Callers that arrive
 * while the value is being computed wait for that computation instead of starting their own.
 * A computation that throws (the stores are not queryable) is not kept: the next caller tries again.
 *
 * @param <T> the value, immutable: every caller gets the same instance
 */
final class Snapshot<T> {

    private final Clock clock;
    private final Duration maxAge;
    /** Computes the value from the instant it is taken at (the page shows "since" against it). */
    private final Function<Instant, T> compute;
    private Instant takenAt;
    private T value;

    /** @param maxAge how old a value may be served; zero computes it for every caller */
    Snapshot(Clock clock, Duration maxAge, Function<Instant, T> compute) {
        this.clock = clock;
        this.maxAge = maxAge;
        this.compute = compute;
    }

    synchronized T get() {
        Instant now = clock.instant();
        if (value == null || maxAge.isZero() || !now.isBefore(takenAt.plus(maxAge))) {
            value = compute.apply(now);
            takenAt = now;
        }
        return value;
    }
}
