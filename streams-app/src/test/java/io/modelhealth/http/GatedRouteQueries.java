package io.modelhealth.http;

import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RouteStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link RouteQueries} over another one that counts the expensive queries (whole-store scans and
 * peer calls) and, while its gate is closed, holds every data query until the gate opens: a store
 * or a peer that never answers. The probes ({@link #alive()}, {@link #ready()}) pass straight through.
 * A test double of the monitor's data, not of Kafka.
 */
final class GatedRouteQueries implements RouteQueries {

    private final RouteQueries delegate;
    private final AtomicInteger scans = new AtomicInteger();
    private final AtomicInteger windowFetches = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    GatedRouteQueries(RouteQueries delegate) {
        this.delegate = delegate;
    }

    /** From now on every data query waits until {@link #open()}. */
    GatedRouteQueries close() {
        gate = new CountDownLatch(1);
        return this;
    }

    void open() {
        gate.countDown();
    }

    /** Calls of {@link #routes()} and {@link #reroutes()}: each scans the whole store. */
    int scans() {
        return scans.get();
    }

    /** Calls of {@link #recentWindows()}: each asks every peer. */
    int windowFetches() {
        return windowFetches.get();
    }

    /** Queries held at the gate right now. */
    int waiting() {
        return waiting.get();
    }

    private void pass() {
        waiting.incrementAndGet();
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotReadyException("interrupted at the gate");
        } finally {
            waiting.decrementAndGet();
        }
    }

    @Override
    public List<RouteStatus> routes() {
        scans.incrementAndGet();
        pass();
        return delegate.routes();
    }

    @Override
    public Optional<RouteDetail> route(String routeId) {
        pass();
        return delegate.route(routeId);
    }

    @Override
    public List<ActiveReroute> reroutes() {
        scans.incrementAndGet();
        pass();
        return delegate.reroutes();
    }

    @Override
    public Map<String, List<HealthWindow>> recentWindows() {
        windowFetches.incrementAndGet();
        pass();
        return delegate.recentWindows();
    }

    @Override
    public Map<String, List<HealthWindow>> localWindows() {
        pass();
        return delegate.localWindows();
    }

    @Override
    public boolean ready() {
        return delegate.ready();
    }

    @Override
    public boolean alive() {
        return delegate.alive();
    }

    @Override
    public String notReadyReason() {
        return delegate.notReadyReason();
    }
}
