package io.modelhealth.alerts;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.JsonSerde;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.RouteIds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * provider → {@link RouteStatus} (every state change of its routes) ⇒ fingerprint → {@link Alert}.
 *
 * <p>When most of one provider's active routes fail together (more than {@code alerts.provider-share}
 * and at least {@code alerts.provider-min-routes}), one provider-wide {@code ModelProviderOutage}
 * fires; Alertmanager's inhibit rule (deploy/alertmanager) then mutes the per-route pages of that
 * provider, so the pager rings once. Resolved when the share falls back.
 *
 * <p>The store holds one small entry per route ({@value #ROUTE} + route id → its last state) and one per
 * provider with an open alert ({@value #OPEN} + provider → {@link ProviderState}), and the task counts each
 * provider's active and down routes in memory, rebuilt from the store when it starts: a state change costs one
 * read and at most one write of its route's entry, whatever the provider's size. (It was one entry per provider
 * holding all its routes, read and written whole per change: quadratic in routes — 38 % of the stream thread in
 * a drain over 5,000 routes of one provider — and past ~30,000 routes a changelog record over the broker's
 * 1 MB limit. Such entries are split into the new form when a task starts.)
 */
public final class ProviderProcessor implements Processor<String, RouteStatus, String, Alert> {

    public static final String STORE = "provider-state";
    /** Key prefix of a route's entry; the value is its {@link HealthState}'s name. */
    static final String ROUTE = "r\u0000";
    /** Key prefix of a provider's open alert; the value is {@link ProviderState} as JSON. */
    static final String OPEN = "p\u0000";

    private static final JsonSerde<ProviderState> JSON = new JsonSerde<>(ProviderState.class);

    private final AlertFactory factory;
    private final double share;
    private final int minRoutes;
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, String> store;
    /** Per provider: its routes not IDLE, and of those the UNAVAILABLE or BLOCKED ones. */
    private final Map<String, int[]> counts = new HashMap<>();
    /** Providers whose alert is open, and what it said. */
    private final Map<String, ProviderState> open = new HashMap<>();

    public ProviderProcessor(AppConfig config) {
        this.factory = new AlertFactory(config.alerts().runbookBaseUrl(), config.alerts().statusPageUrl());
        this.share = config.alerts().providerShare();
        this.minRoutes = config.alerts().providerMinRoutes();
    }

    /** Values of {@link #STORE}: a route's state name, or JSON (see the class comment). */
    public static Serde<String> stateSerde() {
        return Serdes.String();
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        load();
    }

    /** Counts every provider's routes from the store, and splits entries of the one-per-provider form. */
    void load() {
        counts.clear();
        open.clear();
        List<KeyValue<String, String>> whole = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                if (kv.key.startsWith(ROUTE)) {
                    String route = kv.key.substring(ROUTE.length());
                    count(RouteIds.provider(route), null, HealthState.valueOf(kv.value));
                } else if (kv.key.startsWith(OPEN)) {
                    open.put(kv.key.substring(OPEN.length()), json(kv.value));
                } else {
                    whole.add(kv);
                }
            }
        }
        for (KeyValue<String, String> kv : whole) {
            ProviderState p = json(kv.value);
            for (Map.Entry<String, HealthState> e : p.routes.entrySet()) {
                store.put(ROUTE + e.getKey(), e.getValue().name());
                count(kv.key, null, e.getValue());
            }
            p.routes = new TreeMap<>();
            if (p.openFingerprint != null) {
                saveOpen(kv.key, p);
            }
            store.delete(kv.key);
        }
    }

    @Override
    public void process(Record<String, RouteStatus> record) {
        String provider = record.key();
        RouteStatus status = record.value();
        if (provider == null || status == null) {
            return;
        }
        String key = ROUTE + status.route();
        String was = store.get(key);
        HealthState before = was == null ? null : HealthState.valueOf(was);
        if (before != status.state()) {
            store.put(key, status.state().name());
            count(provider, before, status.state());
        }
        int[] c = counts.get(provider);
        int active = c[0];
        int down = c[1];
        boolean outage = down >= minRoutes && down > share * active;
        long now = record.timestamp();
        ProviderState p = open.get(provider);
        if (outage && p == null) {
            p = new ProviderState();
            p.summary = provider + ": " + down + " of " + active + " active routes are down at once ("
                    + String.join(", ", downRoutes(provider)) + ")";
            p.description = "Most of " + provider + "'s routes failed together: a provider-wide incident. "
                    + "Per-route pages for " + provider + " are inhibited while this fires. Each route's own "
                    + "reroute still happens. Check the provider's status page.";
            p.openedAt = now;
            Alert a = factory.providerAlert(provider, p.summary, p.description, now, null);
            p.openFingerprint = a.fingerprint();
            saveOpen(provider, p);
            context.forward(new Record<>(a.fingerprint(), a, now));
        } else if (!outage && p != null) {
            Alert a = factory.providerAlert(provider, p.summary, p.description, p.openedAt, now);
            context.forward(new Record<>(a.fingerprint(), a, now));
            open.remove(provider);
            store.delete(OPEN + provider);
        }
    }

    private void count(String provider, HealthState before, HealthState after) {
        int[] c = counts.computeIfAbsent(provider, k -> new int[2]);
        if (before != null) {
            c[0] -= before == HealthState.IDLE ? 0 : 1;
            c[1] -= down(before) ? 1 : 0;
        }
        c[0] += after == HealthState.IDLE ? 0 : 1;
        c[1] += down(after) ? 1 : 0;
    }

    private static boolean down(HealthState s) {
        return s == HealthState.UNAVAILABLE || s == HealthState.BLOCKED;
    }

    private void saveOpen(String provider, ProviderState p) {
        open.put(provider, p);
        store.put(OPEN + provider, new String(JSON.serialize("", p), StandardCharsets.UTF_8));
    }

    /** "route STATE" of the provider's down routes, by route id: read only when its alert opens. */
    private List<String> downRoutes(String provider) {
        TreeMap<String, String> down = new TreeMap<>();
        // A route id without '/' is its own provider; every other route of the provider starts with "provider/".
        String bare = store.get(ROUTE + provider);
        if (bare != null && down(HealthState.valueOf(bare))) {
            down.put(provider, provider + " " + bare);
        }
        try (KeyValueIterator<String, String> it = store.prefixScan(ROUTE + provider + "/", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                if (down(HealthState.valueOf(kv.value))) {
                    String route = kv.key.substring(ROUTE.length());
                    down.put(route, route + " " + kv.value);
                }
            }
        }
        return new ArrayList<>(down.values());
    }

    private static ProviderState json(String value) {
        return JSON.deserialize("", value.getBytes(StandardCharsets.UTF_8));
    }
}
