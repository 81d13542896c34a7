package io.modelhealth.alerts.sink;

import io.modelhealth.alerts.sink.AlertmanagerClient.Outcome;
import io.modelhealth.alerts.sink.AlertmanagerClient.Response;
import io.modelhealth.schemas.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's core, with no Kafka and no threads: {@code alert.v1} records in (with where they came
 * from), {@code POST /api/v2/alerts} batches out, when they are due. Time is a parameter, so tests
 * drive it.
 *
 * <ul>
 *   <li><b>Firing set</b> — fingerprint → latest firing version. A resolved record removes its
 *       fingerprint. Every POST carries the whole set, with {@code endsAt} = now +
 *       {@value #ENDS_AFTER_RESENDS} × resend interval (as Prometheus does): Alertmanager keeps the
 *       alerts active between posts, whatever its {@code resolve_timeout}, and expires them by
 *       itself if the sink dies.</li>
 *   <li><b>Pending</b> — fingerprint → latest version not yet delivered (firing or resolved). New
 *       records are due at once; while Alertmanager is down only the latest version per
 *       fingerprint is kept, so memory is bounded by the number of incidents, not of records.</li>
 *   <li><b>Schedule</b> — after a success the next POST is due after the resend interval (an empty
 *       firing set is posted too, as {@code []}: that keeps
 *       {@code model_health_alertmanager_last_success_timestamp_seconds} a live signal) or as soon as
 *       something is pending. After a failure: exponential backoff from {@link #FIRST_RETRY},
 *       doubling up to {@link #MAX_RETRY}; new records wait for it.</li>
 *   <li><b>Refusals</b> — a 400 for a batch means at least one alert is invalid (Alertmanager still
 *       stores the valid ones). Each alert is then posted alone; the refused ones are logged and
 *       dropped for good, the others count as delivered.</li>
 * </ul>
 * Logs one WARN when Alertmanager stops taking alerts and one INFO when it takes them again, not one per retry.
 */
final class AlertDelivery {

    private static final Logger log = LoggerFactory.getLogger(AlertDelivery.class);

    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);
    static final int ENDS_AFTER_RESENDS = 4;

    /** A record as the sink saw it: its partition and offset decide what may be committed. */
    record Entry(Alert alert, int partition, long offset) {
    }

    private final AlertmanagerClient client;
    private final Duration resendInterval;
    private final int maxPending;
    private final DeliveryMetrics metrics;
    private final Map<String, Entry> firing = new LinkedHashMap<>();
    private final Map<String, Entry> pending = new LinkedHashMap<>();

    private long nextAttemptAt = Long.MIN_VALUE;
    private int failures;
    private boolean down;
    private long downSince;
    private int outages;

    AlertDelivery(AlertmanagerClient client, Duration resendInterval, int maxPending, DeliveryMetrics metrics) {
        if (resendInterval.isNegative() || resendInterval.isZero()) {
            throw new IllegalArgumentException("alerts.resend-interval must be positive");
        }
        this.client = client;
        this.resendInterval = resendInterval;
        this.maxPending = maxPending;
        this.metrics = metrics;
    }

    /**
     * Applies one record.
     *
     * @param deliver false while replaying history (records a previous run already delivered): the
     *                firing set is rebuilt, nothing is queued
     */
    void accept(Alert alert, int partition, long offset, boolean deliver) {
        Entry e = new Entry(alert, partition, offset);
        if (alert.isFiring()) {
            firing.put(alert.fingerprint(), e);
        } else {
            firing.remove(alert.fingerprint());
        }
        if (deliver) {
            pending.put(alert.fingerprint(), e);
        }
        publishSizes();
    }

    /** Forgets what came from these partitions (another instance owns them now and will post them). */
    void forget(Collection<Integer> partitions) {
        firing.values().removeIf(e -> partitions.contains(e.partition()));
        pending.values().removeIf(e -> partitions.contains(e.partition()));
        publishSizes();
    }

    /** Makes a POST of the whole firing set due now (after a replay), unless a backoff is running. */
    void resendNow(long now) {
        if (!down) {
            nextAttemptAt = Math.min(nextAttemptAt, now);
        }
    }

    boolean due(long now) {
        return now >= nextAttemptAt || (!down && !pending.isEmpty());
    }

    /** Milliseconds until {@link #deliverIfDue} will post, 0 if due now. */
    long millisUntilDue(long now) {
        return due(now) ? 0 : nextAttemptAt - now;
    }

    /**
     * Posts the firing set and the pending resolutions if due.
     *
     * @return whether a POST was made
     * @throws InterruptedException if the thread is interrupted while waiting for Alertmanager
     */
    boolean deliverIfDue(long now) throws InterruptedException {
        if (!due(now)) {
            return false;
        }
        Map<String, Entry> batch = new LinkedHashMap<>(firing);
        pending.forEach(batch::putIfAbsent);
        Response r = post(new ArrayList<>(batch.values()), now);
        switch (r.outcome()) {
            case DELIVERED -> succeeded(now);
            case FAILED -> failed(now, r);
            case REJECTED -> {
                if (batch.size() == 1) {
                    drop(batch.values().iterator().next(), r);
                    succeeded(now);
                } else {
                    postOneByOne(batch.values(), now);
                }
            }
            default -> throw new IllegalStateException("unknown outcome " + r.outcome());
        }
        publishSizes();
        return true;
    }

    private void postOneByOne(Collection<Entry> entries, long now) throws InterruptedException {
        for (Entry e : entries) {
            Response r = post(List.of(e), now);
            if (r.outcome() == Outcome.FAILED) {
                // What was delivered so far stays pending: posting it again is harmless.
                failed(now, r);
                return;
            }
            if (r.outcome() == Outcome.REJECTED) {
                drop(e, r);
            } else if (!e.alert().isFiring()) {
                pending.remove(e.alert().fingerprint());
            }
        }
        succeeded(now);
    }

    private Response post(List<Entry> entries, long now) throws InterruptedException {
        Instant at = Instant.ofEpochMilli(now);
        Duration ttl = resendInterval.multipliedBy(ENDS_AFTER_RESENDS);
        List<PostableAlert> body = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            Alert a = e.alert();
            if (a.isFiring()) {
                // Never before startsAt: Alertmanager refuses an alert that ends before it starts.
                Instant from = a.startsAt() != null && a.startsAt().isAfter(at) ? a.startsAt() : at;
                body.add(PostableAlert.firing(a, from.plus(ttl)));
            } else {
                body.add(PostableAlert.resolved(a, at));
            }
        }
        Response r = client.post(body);
        metrics.posted(r.outcome() == Outcome.DELIVERED, now);
        return r;
    }

    private void succeeded(long now) {
        pending.clear();
        if (down) {
            log.info("Alertmanager at {} takes alerts again after {} failed attempts over {} s; {} firing alerts re-sent",
                    client, failures, Math.max(0, (now - downSince) / 1000), firing.size());
        }
        down = false;
        failures = 0;
        nextAttemptAt = now + resendInterval.toMillis();
    }

    private void failed(long now, Response r) {
        failures++;
        Duration wait = backoff(failures);
        nextAttemptAt = now + wait.toMillis();
        if (!down) {
            down = true;
            downSince = now;
            outages++;
            log.warn("Alertmanager at {} is not taking alerts ({}); retrying with backoff up to {} s, {} firing and {} pending "
                    + "alerts kept (latest version each). The alerts topic still has every alert.",
                    client, r.detail(), MAX_RETRY.toSeconds(), firing.size(), pending.size());
        } else {
            log.debug("Alertmanager at {} still not taking alerts ({}), attempt {}, next in {} ms", client, r.detail(), failures,
                    wait.toMillis());
        }
    }

    private void drop(Entry e, Response r) {
        Alert a = e.alert();
        firing.remove(a.fingerprint());
        pending.remove(a.fingerprint());
        metrics.dropped();
        log.warn("Alertmanager refused alert {} {} (fingerprint {}, {} partition {} offset {}): HTTP {} {}; dropped, not retried",
                a.labels() == null ? null : a.labels().get("alertname"), a.labels(), a.fingerprint(), a.status(),
                e.partition(), e.offset(), r.status(), r.detail());
    }

    /** The wait after the n-th consecutive failure: 1 s, 2 s, 4 s, … up to 30 s. */
    static Duration backoff(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 30);
        long millis = FIRST_RETRY.toMillis() << doublings;
        return millis >= MAX_RETRY.toMillis() ? MAX_RETRY : Duration.ofMillis(millis);
    }

    private void publishSizes() {
        metrics.sizes(firing.size(), pending.size());
    }

    /** The smallest offset of the partition's undelivered records; empty if it has none. */
    OptionalLong oldestPendingOffset(int partition) {
        long min = Long.MAX_VALUE;
        for (Entry e : pending.values()) {
            if (e.partition() == partition) {
                min = Math.min(min, e.offset());
            }
        }
        return min == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(min);
    }

    /** Too much undelivered: the sink stops reading (Kafka keeps the rest) until this clears. */
    boolean saturated() {
        return pending.size() >= maxPending;
    }

    int pendingCount() {
        return pending.size();
    }

    Map<String, Alert> firing() {
        Map<String, Alert> m = new LinkedHashMap<>();
        firing.forEach((fp, e) -> m.put(fp, e.alert()));
        return m;
    }

    boolean down() {
        return down;
    }

    /** How often Alertmanager went from reachable to unreachable (each logged once). */
    int outages() {
        return outages;
    }
}
