package io.modelhealth.topology;

import io.modelhealth.alerts.ProviderProcessor;
import io.modelhealth.config.AppConfig;
import io.modelhealth.health.RouteStateSerde;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.otlp.OtlpParseProcessor;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.RouteOverride;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.Ingested;
import io.modelhealth.telemetry.ParseProcessor;
import io.modelhealth.telemetry.RouteIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the model-health topology. {@code run}, {@code demo}, {@code backtest} and every test call
 * this one function.
 *
 * <pre>
 *  llm.calls ─▶ parse ─┬─ bad ──────────────────────────────────────────────────────────▶ llm.calls.dlq
 *  (bytes)             └─ ingest-progress ─┬─ keyed by route, on its partition ─────────┐
 *                        (+ watermarks)    └─ other calls, watermarks ─▶ [calls-by-route]┤  (watermarks to every partition)
 *  otlp_spans ─▶ parse-otlp ─┬─ bad request / bad span ───────────────────────────────────▶ llm.calls.dlq
 *  (otlp.enabled)            └─ otlp-ingest-progress ─ calls, watermarks ─▶ [spans-by-route]┤
 *  model.health.overrides ─▶ parse ─▶ [overrides-by-route] ─────────────────────────────┤  (bad ─▶ llm.calls.dlq)
 *                                                                                        ▼
 *                        route-health (pending-batches, pending-calls, route-state, seen-events, ingest-progress): event-time order
 *                          │            │             │                          │
 *                          ▼            ▼             ▼                          ▼
 *                      .windows    .anomalies    anomaly alerts ─┐   verdicts + watermarks ─▶ [fleet-events] (1 partition)
 *                                                                │                                 ▼
 *                                                                │      fleet-decisions (fleet-routes, fleet-pending, fleet-clock)
 *                                                                │            │                  │                 │
 *                                                                ▼            ▼                  ▼                 ▼
 *                                                     .alerts ◀──┴── incident alerts   model.reroute.commands   .state ─▶ [states-by-provider]
 *                                                        ▲                                                           ─▶ provider ─┐
 *                                                        └──────────────────────────────────────────────────────────────────────────┘
 *  model.health.state ─▶ (global) fleet-state: the status page and API, on every instance
 * </pre>
 *
 * Calls whose producer keyed them by route id onto the partition the repartition topic would use
 * skip the hop; others go through {@code calls-by-route}, which has as many partitions as
 * {@code llm.calls}, so both paths meet on the same task. Each ingest task's watermark travels
 * {@code calls-by-route} behind the calls it covers, to every partition; route tasks process calls in
 * event-time order up to the least watermark; one fleet task takes every decision that depends on
 * other routes. See README "Ordering" and docs/design.md. With {@code otlp.enabled}, LLM-call spans
 * become the same calls and take {@code spans-by-route}; each OTLP partition is one more upstream whose
 * watermark the route tasks wait for (or leave out while it is idle), exactly like a calls partition.
 */
public final class HealthTopology {

    private HealthTopology() {
    }

    /**
     * Where the topology keeps its state. The processors, their stores' names and what they hold are the same
     * either way; only where the bytes live differs.
     */
    public enum StateStores {
        /** As the app runs: RocksDB (pending-batches in memory), every store restored from its changelog topic. */
        DURABLE,
        /**
         * In memory (the duplicate check's ids still on RocksDB: two windows of them would not fit a heap), no
         * changelog: for one pass over a file ({@code backtest}), where nothing restarts and a changelog record
         * per store write is pure cost (under TopologyTestDriver, which commits after every record, they were
         * most of the records a call produced).
         */
        EPHEMERAL
    }

    /** Route and scope states an instance keeps as live objects by default ({@link LiveStates}). */
    public static final int LIVE_STATES = LiveStates.PER_INSTANCE;

    /** {@link #build(AppConfig, String, int, int, HealthMetrics)} with an OTLP topic (when enabled) as wide as the calls topic. */
    public static Topology build(AppConfig config, String configVersion, int inputPartitions, HealthMetrics metrics) {
        return build(config, configVersion, inputPartitions, inputPartitions, metrics);
    }

    /** {@link #build(AppConfig, String, int, int, HealthMetrics, StateStores)} with {@link StateStores#DURABLE} stores. */
    public static Topology build(AppConfig config, String configVersion, int inputPartitions, int otlpPartitions,
                                 HealthMetrics metrics) {
        return build(config, configVersion, inputPartitions, otlpPartitions, metrics, StateStores.DURABLE);
    }

    /**
     * @param config          the validated configuration
     * @param configVersion   stamped on every decision
     * @param inputPartitions partitions of the calls topic (the repartition topics get as many)
     * @param otlpPartitions  partitions of {@code otlp.topic}; ignored unless {@code otlp.enabled}
     * @param metrics         where processors record their meters
     * @param stateStores     RocksDB and changelogs, or memory only
     */
    public static Topology build(AppConfig config, String configVersion, int inputPartitions, int otlpPartitions,
                                 HealthMetrics metrics, StateStores stateStores) {
        return build(config, configVersion, inputPartitions, otlpPartitions, metrics, stateStores, null);
    }

    /** @param parsed calls the feeder parsed before piping them (a replay: {@link ParsedCalls}); null: none */
    public static Topology build(AppConfig config, String configVersion, int inputPartitions, int otlpPartitions,
                                 HealthMetrics metrics, StateStores stateStores, io.modelhealth.telemetry.ParsedCalls parsed) {
        return build(config, configVersion, inputPartitions, otlpPartitions, metrics, stateStores, parsed, LIVE_STATES);
    }

    /**
     * @param liveStates how many route and scope states the instance's route tasks keep as live objects, together
     *                   ({@link LiveStates}; a cache of the store: it changes the heap and the CPU, never a decision)
     */
    public static Topology build(AppConfig config, String configVersion, int inputPartitions, int otlpPartitions,
                                 HealthMetrics metrics, StateStores stateStores, io.modelhealth.telemetry.ParsedCalls parsed,
                                 int liveStates) {
        LiveStates.Budget live = new LiveStates.Budget(liveStates, Math.min(LiveStates.MIN_PER_TASK, liveStates));
        AppTopics topics = AppTopics.from(config.topics());
        StreamsBuilder builder = new StreamsBuilder();
        StoreFactory store = new StoreFactory(stateStores);

        // The status page and API read every route's state from here, on every instance: held compact, not as JSON.
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RouteProcessor.FLEET_STORE),
                        Serdes.String(), new StatusStoreSerde()).withLoggingDisabled(),
                topics.state().name(),
                Consumed.with(Serdes.String(), ContractSerdes.ROUTE_STATUS).withName("fleet-state-source"),
                FleetStateUpdater::new);

        // ---- calls: parse, dead-letter, then each call and this partition's watermark towards the route tasks
        Map<String, KStream<byte[], Ingested>> ingest = builder.stream(topics.calls().name(), topics.calls().consumed("calls-source"))
                .processValues(() -> new ParseProcessor(config, metrics, parsed), Named.as("parse-calls"))
                .split(Named.as("calls-"))
                .branch((k, v) -> v.isDeadLetter(), Branched.as("dead"))
                .defaultBranch(Branched.as("valid"));
        ingest.get("calls-dead")
                .mapValues(Ingested::dead, Named.as("calls-dead-letter"))
                .to(topics.deadLetters().name(), topics.deadLetters().produced("calls-dlq-sink"));
        Map<String, KStream<String, RouteEvent>> progress = ingest.get("calls-valid")
                .process(() -> new IngestProgress(config, topics.calls().name(), inputPartitions, 0), Named.as("ingest-progress"))
                .split(Named.as("ingest-"))
                .branch((k, v) -> v.direct(), Branched.as("direct"))
                .defaultBranch(Branched.as("rekey"));
        // Calls keyed by route onto their route's partition (the recommended way) skip the hop; the
        // others, and every watermark (multicast to all partitions), take calls-by-route.
        KStream<String, RouteEvent> rekeyed = progress.get("ingest-rekey")
                .repartition(byRoute("calls-by-route", inputPartitions));
        KStream<String, RouteEvent> calls = progress.get("ingest-direct").merge(rekeyed, Named.as("calls-merge"));
        // Every input partition of every input topic is an upstream of the route tasks: llm.calls' first, then
        // the OTLP topic's, each with its own watermark.
        int upstreams = inputPartitions;

        // ---- OTLP spans (otlp.enabled): each record a batch of spans; LLM-call spans join the same ordering
        // stage as llm.calls. Never keyed by route, they always take the hop, on a repartition topic of their
        // own (a sub-topology of their own too, so their partitions need not match llm.calls').
        if (config.otlp().enabled()) {
            Map<String, KStream<byte[], Ingested>> spans = builder
                    .stream(config.otlp().topic(), AppTopics.otlp(config.otlp()).consumed("otlp-source"))
                    .process(() -> new OtlpParseProcessor(config, metrics), Named.as("parse-otlp"))
                    .split(Named.as("otlp-"))
                    .branch((k, v) -> v.isDeadLetter(), Branched.as("dead"))
                    .defaultBranch(Branched.as("valid"));
            spans.get("otlp-dead")
                    .mapValues(Ingested::dead, Named.as("otlp-dead-letter"))
                    .to(topics.deadLetters().name(), topics.deadLetters().produced("otlp-dlq-sink"));
            int slotBase = upstreams;
            KStream<String, RouteEvent> spanCalls = spans.get("otlp-valid")
                    .process(() -> new IngestProgress(config, config.otlp().topic(), inputPartitions, slotBase), Named.as("otlp-ingest-progress"))
                    .repartition(byRoute("spans-by-route", inputPartitions));
            calls = calls.merge(spanCalls, Named.as("spans-merge"));
            upstreams += otlpPartitions;
        }
        int routeUpstreams = upstreams;

        // ---- overrides: validated against override.v1 (bad ones are dead-lettered too), then to the route's partition
        Map<String, KStream<String, OverrideInput>> overrideBranches = builder
                .stream(topics.overrides().name(), topics.overrides().consumed("overrides-source"))
                .process(() -> new OverrideParser(config.overrides().maxLifetime(), metrics), Named.as("parse-overrides"))
                .split(Named.as("overrides-"))
                .branch((k, v) -> v.dead() != null, Branched.as("dead"))
                .defaultBranch(Branched.as("ok"));
        overrideBranches.get("overrides-dead")
                .map((k, v) -> KeyValue.pair(v.originalKey(), v.dead()), Named.as("overrides-dead-letter"))
                .to(topics.deadLetters().name(), topics.deadLetters().produced("overrides-dlq-sink"));
        KStream<String, RouteEvent> overrides = overrideBranches.get("overrides-ok")
                .mapValues(OverrideInput::override, Named.as("overrides-value"))
                .repartition(Repartitioned.<String, RouteOverride>as("overrides-by-route")
                        .withKeySerde(Serdes.String()).withValueSerde(ContractSerdes.OVERRIDE)
                        .withNumberOfPartitions(inputPartitions))
                .mapValues(RouteEvent::of, Named.as("overrides-as-events"));

        // ---- the health engine, one route per key, in event-time order up to the low watermark
        // The route processor writes route-state and pending-batches once per commit, from a hook that runs as the
        // task commits. Pending calls live in memory between commits, their durable copy a batch record per commit
        // in pending-batches (in memory, restored from its changelog: the batches are written once and deleted once,
        // RocksDB would only compact them); pending-calls holds calls one entry each beyond RouteProcessor.MAX_MIRRORED.
        builder.addStateStore(CommitHookStore.wrap(store.uncached(RouteProcessor.STATE_STORE, Serdes.String(), new RouteStateSerde())));
        builder.addStateStore(store.cached(RouteProcessor.PENDING_STORE, Serdes.Bytes(), Serdes.ByteArray()));
        builder.addStateStore(CommitHookStore.wrap(store.logged(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RouteProcessor.BATCHES_STORE),
                Serdes.Long(), Serdes.ByteArray()))));
        builder.addStateStore(store.cached(RouteProcessor.PROGRESS_STORE, Serdes.String(), Serdes.String()));
        List<String> stores = new ArrayList<>(List.of(RouteProcessor.STATE_STORE, RouteProcessor.PENDING_STORE,
                RouteProcessor.BATCHES_STORE, RouteProcessor.PROGRESS_STORE));
        long dedupMs = config.telemetry().dedupWindow().toMillis();
        if (dedupMs > 0) {
            // Retention of two windows: RouteProcessor files an id under the start of its window-long slot and
            // looks one slot back, so an id must outlive its slot by a whole window to be found as before.
            Duration retention = dedupRetention(config);
            // On RocksDB in both modes: it holds every id of two windows (at 5,000 calls/s, 6 M ids, ~0.7 GB of heap
            // in memory), and the Bloom filter in front of it spares it most reads.
            builder.addStateStore(store.logged(Stores.windowStoreBuilder(
                    Stores.persistentWindowStore(RouteProcessor.DEDUP_STORE, retention, config.telemetry().dedupWindow(), false),
                    Serdes.String(), Serdes.Long())));
            stores.add(RouteProcessor.DEDUP_STORE);
        }
        Map<String, KStream<String, HealthEvent>> out = calls.merge(overrides, Named.as("route-events"))
                .process(() -> new RouteProcessor(config, configVersion, routeUpstreams, inputPartitions, metrics,
                        stateStores == StateStores.DURABLE, live), Named.as("route-health"),
                        stores.toArray(String[]::new))
                .split(Named.as("health-"))
                .branch((k, v) -> v instanceof HealthEvent.WindowClosed, Branched.as("windows"))
                .branch((k, v) -> v instanceof HealthEvent.AnomalyChanged, Branched.as("anomalies"))
                .branch((k, v) -> v instanceof HealthEvent.ToFleet, Branched.as("fleet"))
                .branch((k, v) -> v instanceof HealthEvent.DeadLettered, Branched.as("late"))
                .defaultBranch(Branched.as("alerts"));

        out.get("health-windows").mapValues(v -> ((HealthEvent.WindowClosed) v).window(), Named.as("windows-value"))
                .to(topics.windows().name(), topics.windows().produced("windows-sink"));
        out.get("health-anomalies").mapValues(v -> ((HealthEvent.AnomalyChanged) v).anomaly(), Named.as("anomalies-value"))
                .to(topics.anomalies().name(), topics.anomalies().produced("anomalies-sink"));
        out.get("health-late")
                .map((k, v) -> KeyValue.pair(((HealthEvent.DeadLettered) v).originalKey(), ((HealthEvent.DeadLettered) v).dead()),
                        Named.as("late-dead-letter"))
                .to(topics.deadLetters().name(), topics.deadLetters().produced("late-dlq-sink"));
        KStream<String, io.modelhealth.schemas.Alert> anomalyAlerts = out.get("health-alerts")
                .mapValues(v -> ((HealthEvent.AlertChanged) v).alert(), Named.as("alerts-value"));

        // ---- the fleet stage: every route's verdicts on one partition, decided in event-time order
        builder.addStateStore(store.uncached(FleetProcessor.ROUTES_STORE, Serdes.String(), FleetProcessor.routeSerde()));
        builder.addStateStore(store.cached(FleetProcessor.PENDING_STORE, Serdes.String(), FleetProcessor.eventSerde()));
        builder.addStateStore(store.cached(FleetProcessor.CLOCK_STORE, Serdes.String(), Serdes.Long()));
        Map<String, KStream<String, HealthEvent>> decided = out.get("health-fleet")
                .mapValues(v -> ((HealthEvent.ToFleet) v).event(), Named.as("fleet-value"))
                .repartition(Repartitioned.<String, FleetEvent>as("fleet-events")
                        .withKeySerde(Serdes.String()).withValueSerde(FleetProcessor.eventSerde())
                        .withNumberOfPartitions(1))
                .process(() -> new FleetProcessor(config, configVersion, inputPartitions, metrics), Named.as("fleet-decisions"),
                        FleetProcessor.ROUTES_STORE, FleetProcessor.PENDING_STORE, FleetProcessor.CLOCK_STORE)
                .split(Named.as("fleet-"))
                .branch((k, v) -> v instanceof HealthEvent.StateChanged, Branched.as("state"))
                .branch((k, v) -> v instanceof HealthEvent.CommandIssued, Branched.as("commands"))
                .defaultBranch(Branched.as("alerts"));
        KStream<String, RouteStatus> states = decided.get("fleet-state")
                .mapValues(v -> ((HealthEvent.StateChanged) v).status(), Named.as("state-value"));
        states.to(topics.state().name(), topics.state().produced("state-sink"));
        // Scoped commands go to their own topic: a consumer that knows only route-wide commands must never see them.
        Map<String, KStream<String, io.modelhealth.schemas.RerouteCommand>> commands = decided.get("fleet-commands")
                .mapValues(v -> ((HealthEvent.CommandIssued) v).command(), Named.as("commands-value"))
                .split(Named.as("commands-"))
                .branch((k, c) -> c.scope() != null, Branched.as("scoped"))
                .defaultBranch(Branched.as("route"));
        commands.get("commands-route").to(topics.reroutes().name(), topics.reroutes().produced("commands-sink"));
        commands.get("commands-scoped").to(topics.scopedReroutes().name(), topics.scopedReroutes().produced("scoped-commands-sink"));
        KStream<String, io.modelhealth.schemas.Alert> incidentAlerts = decided.get("fleet-alerts")
                .mapValues(v -> ((HealthEvent.AlertChanged) v).alert(), Named.as("incident-alerts-value"));

        // ---- provider-wide alerts: every state change, keyed by provider
        // Without a record cache: one small entry per route, written when its state changes (rarely); cached, each held
        // ~0.5 KB of cache bookkeeping per route at 10,000 routes (the memory probe: 2,342 -> 2,865 B per route).
        builder.addStateStore(store.uncached(ProviderProcessor.STORE, Serdes.String(), ProviderProcessor.stateSerde()));
        KStream<String, io.modelhealth.schemas.Alert> providerAlerts = states
                .selectKey((route, status) -> RouteIds.provider(route), Named.as("state-by-provider"))
                .repartition(Repartitioned.<String, RouteStatus>as("states-by-provider")
                        .withKeySerde(Serdes.String()).withValueSerde(ContractSerdes.ROUTE_STATUS))
                .process(() -> new ProviderProcessor(config), Named.as("provider-health"), ProviderProcessor.STORE);
        anomalyAlerts.merge(incidentAlerts, Named.as("route-alerts-merge"))
                .merge(providerAlerts, Named.as("alerts-merge"))
                .to(topics.alerts().name(), topics.alerts().produced("alerts-sink"));
        return builder.build();
    }

    /**
     * How long the duplicate check's store keeps an id: two windows, as RouteProcessor files an id under the
     * start of its window-long slot and looks one slot back.
     */
    static Duration dedupRetention(AppConfig config) {
        return config.telemetry().dedupWindow().multipliedBy(2);
    }

    /** The topology's key-value stores, RocksDB or in memory, with or without changelogs, as {@link StateStores} says. */
    private record StoreFactory(StateStores kind) {

        /** A cached key-value store: RocksDB and logged, or in memory and not. */
        <K, V> StoreBuilder<KeyValueStore<K, V>> cached(String name, Serde<K> keys, Serde<V> values) {
            return uncached(name, keys, values).withCachingEnabled();
        }

        /**
         * The same without Kafka Streams' record cache: for the stores whose processor keeps its entries as live
         * objects and writes each changed one once per commit (route-state, fleet-routes). A cache there only
         * held a second, serialized copy of them: ~1.1 KB of heap per route at 10,000 routes, the largest share
         * of a route's heap.
         */
        <K, V> StoreBuilder<KeyValueStore<K, V>> uncached(String name, Serde<K> keys, Serde<V> values) {
            return logged(Stores.keyValueStoreBuilder(kind == StateStores.DURABLE ? Stores.persistentKeyValueStore(name)
                    : Stores.inMemoryKeyValueStore(name), keys, values));
        }

        /** {@code b} with its changelog, or without one for {@link StateStores#EPHEMERAL}. */
        <T extends StateStore> StoreBuilder<T> logged(StoreBuilder<T> b) {
            return kind == StateStores.DURABLE ? b : b.withLoggingDisabled();
        }
    }

    /** A repartition topic of calls and watermarks by route: calls to their route's partition, watermarks to all. */
    private static Repartitioned<String, RouteEvent> byRoute(String name, int partitions) {
        return Repartitioned.<String, RouteEvent>as(name)
                .withKeySerde(Serdes.String()).withValueSerde(new RouteEventSerde())
                .withStreamPartitioner(new WatermarkPartitioner())
                .withNumberOfPartitions(partitions);
    }

    /** Keeps the global fleet-state store equal to the compacted state topic. */
    static final class FleetStateUpdater implements Processor<String, RouteStatus, Void, Void> {
        private KeyValueStore<String, RouteStatus> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(RouteProcessor.FLEET_STORE);
        }

        @Override
        public void process(Record<String, RouteStatus> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
