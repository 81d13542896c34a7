package io.modelhealth.topology;

import io.modelhealth.config.AppConfig;
import io.modelhealth.health.HealthOutputs;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.reroute.FleetDecider;
import io.modelhealth.reroute.FleetRoute;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.JsonSerde;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * {@code fleet-events} (one partition: every route's verdicts, every route task's watermark) ⇒
 * route id → {@link HealthEvent} (state records, reroute commands, incident alerts).
 *
 * <p>Adapts {@link FleetDecider} to Kafka Streams. Verdicts wait in {@code fleet-pending} until every
 * route task's watermark has passed them, then are applied in event-time order (time, route,
 * sequence), interleaved with the decisions they schedule, so the fleet's decisions do not depend on
 * which task sent its verdicts first. The decider's routes live in {@code fleet-routes}; the
 * watermarks in {@code fleet-clock}.
 */
public final class FleetProcessor implements Processor<String, FleetEvent, String, HealthEvent> {

    public static final String ROUTES_STORE = "fleet-routes";
    public static final String PENDING_STORE = "fleet-pending";
    public static final String CLOCK_STORE = "fleet-clock";
    private static final String PROCESSED = "processed";

    private final FleetDecider decider;
    private final HealthMetrics metrics;
    private final int routeTasks;
    private final long[] taskWatermark;
    private long processed = Long.MIN_VALUE;
    /** At least the number of entries in {@code fleet-pending} (a scan is skipped at 0). */
    private long pendingCount;
    private ProcessorContext<String, HealthEvent> context;
    private KeyValueStore<String, FleetRoute> routes;
    private KeyValueStore<String, FleetEvent> pending;
    private KeyValueStore<String, Long> clock;
    private final Forwarder forwarder = new Forwarder();

    public FleetProcessor(AppConfig config, String configVersion, int routeTasks, HealthMetrics metrics) {
        this.decider = new FleetDecider(config, configVersion);
        this.metrics = metrics;
        this.routeTasks = routeTasks;
        this.taskWatermark = new long[routeTasks];
    }

    public static Serde<FleetRoute> routeSerde() {
        return new JsonSerde<>(FleetRoute.class);
    }

    public static Serde<FleetEvent> eventSerde() {
        return new JsonSerde<>(FleetEvent.class);
    }

    @Override
    public void init(ProcessorContext<String, HealthEvent> context) {
        this.context = context;
        this.routes = context.getStateStore(ROUTES_STORE);
        this.pending = context.getStateStore(PENDING_STORE);
        this.clock = context.getStateStore(CLOCK_STORE);
        try (KeyValueIterator<String, FleetRoute> it = routes.all()) {
            while (it.hasNext()) {
                FleetRoute r = it.next().value;
                decider.restore(r);
                if (r.verdict() != null && !r.verdict().scoped()) {
                    metrics.state(r.route(), r.verdict().state());
                } else if (r.verdict() != null) {
                    metrics.scopeState(r.verdict().route(), r.verdict().scopeText(), r.verdict().state());
                }
            }
        }
        java.util.Arrays.fill(taskWatermark, Long.MIN_VALUE);
        for (int t = 0; t < routeTasks; t++) {
            Long w = clock.get("t" + t);
            if (w != null) {
                taskWatermark[t] = w;
            }
        }
        pendingCount = 0;
        try (KeyValueIterator<String, FleetEvent> it = pending.all()) {
            while (it.hasNext()) {
                it.next();
                pendingCount++;
            }
        }
        Long p = clock.get(PROCESSED);
        processed = p == null ? Long.MIN_VALUE : p;
    }

    @Override
    public void process(Record<String, FleetEvent> record) {
        FleetEvent e = record.value();
        if (e == null) {
            return;
        }
        if (e.isWatermark()) {
            int t = e.task();
            if (t < 0 || t >= routeTasks || e.at() <= taskWatermark[t]) {
                return;
            }
            taskWatermark[t] = e.at();
            clock.put("t" + t, e.at());
            long low = Long.MAX_VALUE;
            for (long w : taskWatermark) {
                low = Math.min(low, w);
            }
            if (low != Long.MIN_VALUE && low > processed) {
                advance(low);
            }
            return;
        }
        if (e.verdict() == null) {
            return;
        }
        if (processed != Long.MIN_VALUE && e.at() <= processed) {
            // Behind the fleet's clock (a late call, an override): it applies now, at the fleet's time.
            decider.onVerdict(e.verdict(), processed);
            decider.advanceTo(processed, forwarder);
            persist();
            return;
        }
        pending.put(pendingKey(e), e);
        pendingCount++;
    }

    /** Applies every pending verdict up to {@code to} in order, with the decisions due in between. */
    private void advance(long to) {
        List<KeyValue<String, FleetEvent>> due = new ArrayList<>();
        if (pendingCount > 0) {
            try (KeyValueIterator<String, FleetEvent> it = pending.range(null, upperKey(to))) {
                while (it.hasNext()) {
                    due.add(it.next());
                }
            }
        }
        for (KeyValue<String, FleetEvent> kv : due) {
            FleetEvent e = kv.value;
            decider.advanceTo(e.at() - 1, forwarder);
            decider.onVerdict(e.verdict(), e.at());
            // put(key, null) deletes without reading the old value back (delete() deserializes it to return it).
            pending.put(kv.key, null);
            pendingCount--;
        }
        decider.advanceTo(to, forwarder);
        processed = to;
        clock.put(PROCESSED, to);
        persist();
    }

    private void persist() {
        for (FleetRoute r : decider.drainDirty()) {
            routes.put(r.route(), r);
        }
        for (String route : decider.drainEvicted()) {
            routes.put(route, null);
            metrics.forgetRoute(route);
        }
    }

    /** Sorts as (at, route, seq): fixed-width decimal numbers, so string order is time order. */
    static String pendingKey(FleetEvent e) {
        return String.format("%019d|%s|%019d", Math.max(0, e.at()), e.verdict().key(), e.verdict().seq());
    }

    private static String upperKey(long to) {
        return String.format("%019d|\uffff", Math.max(0, to));
    }

    @Override
    public void close() {
        // The fleet task is leaving this instance: its state gauges belong to the next owner.
        for (FleetRoute r : decider.routes()) {
            metrics.forgetRoute(r.route());
        }
    }

    /** Forwards the decider's outputs, stamped with their event time, and counts them. */
    private final class Forwarder implements HealthOutputs {
        private void forward(String key, HealthEvent event, long ts) {
            context.forward(new Record<>(key, event, Math.max(0, ts)));
        }

        @Override
        public void window(HealthWindow window, long ts) {
            throw new IllegalStateException("the fleet stage emits no windows");
        }

        @Override
        public void anomaly(Anomaly anomaly, long ts) {
            throw new IllegalStateException("the fleet stage emits no anomalies");
        }

        @Override
        public void state(RouteStatus status, long ts) {
            metrics.state(status.route(), status.state());
            forward(status.route(), new HealthEvent.StateChanged(status), ts);
        }

        @Override
        public void command(RerouteCommand command, long ts) {
            metrics.reroute(command.route(), command.action().name(), command.reason());
            forward(command.key(), new HealthEvent.CommandIssued(command), ts);
        }

        @Override
        public void alert(Alert alert, long ts) {
            metrics.alert(alert.labels().get("alertname"), alert.labels().get("severity"), alert.status());
            forward(alert.fingerprint(), new HealthEvent.AlertChanged(alert), ts);
        }

        @Override
        public void scopeState(String route, String scope, io.modelhealth.schemas.HealthState state) {
            metrics.scopeState(route, scope, state);
        }

        @Override
        public void held(String route, boolean panicGuard, boolean noFallback) {
            metrics.held(route, panicGuard ? HealthMetrics.Held.PANIC_GUARD : noFallback ? HealthMetrics.Held.NO_FALLBACK : null);
        }
    }
}
