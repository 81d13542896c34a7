package io.modelhealth.alerts;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.JsonSerde;
import io.modelhealth.schemas.RouteStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * provider → {@link RouteStatus} (every state change of its routes) ⇒ fingerprint → {@link Alert}.
 *
 * <p>When most of one provider's active routes fail together (more than {@code alerts.provider-share}
 * and at least {@code alerts.provider-min-routes}), one provider-wide {@code ModelProviderOutage}
 * fires; Alertmanager's inhibit rule (deploy/alertmanager) then mutes the per-route pages of that
 * provider, so the pager rings once. Resolved when the share falls back.
 */
public final class ProviderProcessor implements Processor<String, RouteStatus, String, Alert> {

    public static final String STORE = "provider-state";

    private final AlertFactory factory;
    private final double share;
    private final int minRoutes;
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, ProviderState> store;

    public ProviderProcessor(AppConfig config) {
        this.factory = new AlertFactory(config.alerts().runbookBaseUrl(), config.alerts().statusPageUrl());
        this.share = config.alerts().providerShare();
        this.minRoutes = config.alerts().providerMinRoutes();
    }

    public static Serde<ProviderState> stateSerde() {
        return new JsonSerde<>(ProviderState.class);
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, RouteStatus> record) {
        String provider = record.key();
        RouteStatus status = record.value();
        if (provider == null || status == null) {
            return;
        }
        ProviderState p = store.get(provider);
        if (p == null) {
            p = new ProviderState();
        }
        p.routes.put(status.route(), status.state());
        int active = 0;
        List<String> down = new ArrayList<>();
        for (Map.Entry<String, HealthState> e : p.routes.entrySet()) {
            HealthState s = e.getValue();
            if (s == HealthState.IDLE) {
                continue;
            }
            active++;
            if (s == HealthState.UNAVAILABLE || s == HealthState.BLOCKED) {
                down.add(e.getKey() + " " + s);
            }
        }
        boolean outage = down.size() >= minRoutes && down.size() > share * active;
        long now = record.timestamp();
        if (outage && p.openFingerprint == null) {
            p.summary = provider + ": " + down.size() + " of " + active + " active routes are down at once ("
                    + String.join(", ", down) + ")";
            p.description = "Most of " + provider + "'s routes failed together: a provider-wide incident. "
                    + "Per-route pages for " + provider + " are inhibited while this fires. Each route's own "
                    + "reroute still happens. Check the provider's status page.";
            p.openedAt = now;
            Alert a = factory.providerAlert(provider, p.summary, p.description, now, null);
            p.openFingerprint = a.fingerprint();
            context.forward(new Record<>(a.fingerprint(), a, now));
        } else if (!outage && p.openFingerprint != null) {
            Alert a = factory.providerAlert(provider, p.summary, p.description, p.openedAt, now);
            context.forward(new Record<>(a.fingerprint(), a, now));
            p.openFingerprint = null;
        }
        store.put(provider, p);
    }
}
