package io.modelhealth.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A value computed at most once per {@code maxAge} (by the injected clock), whoever asks: the
 * status page and {@code /api/routes} scan the whole store and call every peer, and every open tab
 * polls every 2 s, so without this the cost grows with the number of tabs. Callers that arrive
 * while the value is being computed wait for that computation instead of starting their own.
 * A computation that throws (the stores are not queryable) is not kept: the next caller tries again.
 * The wait is interruptible, so a request cut by {@code http.request-timeout} frees its thread even
 * while another one's computation hangs.
 *
 * @param <T> the value, immutable: every caller gets the same instance
 */
final class Snapshot<T> {

    private final Clock clock;
    private final Duration maxAge;
    /** Computes the value from the instant it is taken at (the page shows "since" against it). */
    private final Function<Instant, T> compute;
    private final ReentrantLock lock = new ReentrantLock();
    private Instant takenAt;
    private T value;

    /** @param maxAge how old a value may be served; zero computes it for every caller */
    Snapshot(Clock clock, Duration maxAge, Function<Instant, T> compute) {
        this.clock = clock;
        this.maxAge = maxAge;
        this.compute = compute;
    }

    /** @throws NotReadyException when interrupted while another caller computes the value */
    T get() {
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotReadyException("interrupted while waiting for the snapshot", e);
        }
        try {
            Instant now = clock.instant();
            if (value == null || maxAge.isZero() || !now.isBefore(takenAt.plus(maxAge))) {
                value = compute.apply(now);
                takenAt = now;
            }
            return value;
        } finally {
            lock.unlock();
        }
    }
}
