package io.modelhealth.alerts.sink;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink's meters. Prometheus names:
 * <pre>
 * model_health_alertmanager_posts_total{outcome="ok"|"error"}   POST requests, by outcome (error: no answer, 4xx, 5xx)
 * model_health_alertmanager_firing                             alerts the sink keeps firing in Alertmanager
 * model_health_alertmanager_pending                            alert versions waiting for delivery (grows while Alertmanager is down)
 * model_health_alertmanager_dropped_alerts_total               alerts Alertmanager refused as invalid (400), logged and dropped
 * model_health_alertmanager_last_success_timestamp_seconds     when a POST last succeeded (0: never); the sink posts at least
 *                                                             every resend interval, so its age says whether the path works
 * </pre>
 * Written by the sink's thread, read by the scrape thread.
 */
final class DeliveryMetrics implements AutoCloseable {

    static final String POSTS = "model.health.alertmanager.posts";
    static final String FIRING = "model.health.alertmanager.firing";
    static final String PENDING = "model.health.alertmanager.pending";
    static final String DROPPED = "model.health.alertmanager.dropped.alerts";
    static final String LAST_SUCCESS = "model.health.alertmanager.last.success.timestamp";

    private final MeterRegistry registry;
    private final Counter ok;
    private final Counter error;
    private final Counter dropped;
    private final AtomicInteger firing = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong lastSuccessMillis = new AtomicLong();
    private final List<Meter> meters;

    DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.ok = Counter.builder(POSTS).tag("outcome", "ok")
                .description("POST requests to Alertmanager, by outcome").register(registry);
        this.error = Counter.builder(POSTS).tag("outcome", "error")
                .description("POST requests to Alertmanager, by outcome").register(registry);
        this.dropped = Counter.builder(DROPPED)
                .description("Alerts Alertmanager refused as invalid; logged and dropped, not retried").register(registry);
        Gauge firingGauge = Gauge.builder(FIRING, firing, AtomicInteger::get)
                .description("Firing alerts the sink keeps posting to Alertmanager").register(registry);
        Gauge pendingGauge = Gauge.builder(PENDING, pending, AtomicInteger::get)
                .description("Alert versions waiting to be delivered to Alertmanager").register(registry);
        Gauge lastSuccess = Gauge.builder(LAST_SUCCESS, lastSuccessMillis, v -> v.get() / 1000.0).baseUnit("seconds")
                .description("Unix time of the last successful POST to Alertmanager (0: none yet)").register(registry);
        this.meters = List.of(ok, error, dropped, firingGauge, pendingGauge, lastSuccess);
    }

    void posted(boolean success, long nowMillis) {
        if (success) {
            ok.increment();
            lastSuccessMillis.set(nowMillis);
        } else {
            error.increment();
        }
    }

    void dropped() {
        dropped.increment();
    }

    void sizes(int firingAlerts, int pendingAlerts) {
        firing.set(firingAlerts);
        pending.set(pendingAlerts);
    }

    /** Removes the meters, so that a later sink on the same registry registers fresh ones. */
    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
