package io.modelhealth.http;

import io.modelhealth.config.AppConfig;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.health.RouteState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.topology.RouteProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RouteQueries} over a running {@link KafkaStreams} (interactive queries).
 *
 * <ul>
 *   <li>States and reroutes: the global {@value RouteProcessor#FLEET_STORE} store, a copy of the
 *       compacted {@code model.health.state} topic on every instance, so any instance answers for
 *       every route.</li>
 *   <li>Recent windows: the {@value RouteProcessor#STATE_STORE} store, local to the task that owns
 *       the route. When another instance owns it, that instance is asked over HTTP at its
 *       {@code application.server} ({@link PeerWindows}); when it cannot be asked, the route is still
 *       shown, with {@code windows_available: false}.</li>
 * </ul>
 * While Kafka Streams cannot serve the global store (not started, shutting down, failed), queries
 * throw {@link NotReadyException}. Thread-safe: the stores are read-only views; every store read
 * returns a fresh deserialized copy.
 */
public final class StreamsRouteQueries implements RouteQueries {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsRouteQueries.class);
    /** How long a peer may take to answer: the API must stay fast when an instance is gone. */
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofMillis(1500);

    private final KafkaStreams streams;
    private final RouteHealth engine;
    private final HostInfo self;
    private final PeerWindows peers;
    /** True while stream threads keep dying and being replaced (ThreadReplacements): not alive then. */
    private final BooleanSupplier replacementLoop;

    /**
     * @param streams     the app's Kafka Streams (started or not: queries answer 503 until it runs)
     * @param engine      the health engine the topology runs, to read windows out of a route's state
     * @param self        this instance's {@code application.server}, or null when it is not set
     *                    (a single instance: windows of routes it does not host are then unavailable)
     * @param peerTimeout how long to wait for another instance's answer
     * @param peerToken       the {@code http.auth-token} to send to the other instances, or null
     * @param replacementLoop true while stream threads keep failing and being replaced: {@link #alive()} is then false
     */
    public StreamsRouteQueries(KafkaStreams streams, RouteHealth engine, HostInfo self, Duration peerTimeout, String peerToken,
                               BooleanSupplier replacementLoop) {
        this.streams = streams;
        this.engine = engine;
        this.self = self;
        this.peers = new PeerWindows(peerTimeout, peerToken);
        this.replacementLoop = replacementLoop;
    }

    public StreamsRouteQueries(KafkaStreams streams, RouteHealth engine, HostInfo self, Duration peerTimeout, String peerToken) {
        this(streams, engine, self, peerTimeout, peerToken, () -> false);
    }

    public StreamsRouteQueries(KafkaStreams streams, RouteHealth engine, HostInfo self, Duration peerTimeout,
                               BooleanSupplier replacementLoop) {
        this(streams, engine, self, peerTimeout, (String) null, replacementLoop);
    }

    public StreamsRouteQueries(KafkaStreams streams, RouteHealth engine, HostInfo self, Duration peerTimeout) {
        this(streams, engine, self, peerTimeout, null, () -> false);
    }

    /** Peers asked within {@link #DEFAULT_PEER_TIMEOUT}, with no token. */
    public StreamsRouteQueries(KafkaStreams streams, RouteHealth engine, HostInfo self) {
        this(streams, engine, self, DEFAULT_PEER_TIMEOUT, (String) null);
    }

    /**
     * As the app runs it: peers asked with {@code http.auth-token}, within {@link #DEFAULT_PEER_TIMEOUT}
     * or {@code http.request-timeout} when that is shorter (a slow peer must leave the answer time to be sent).
     */
    public static StreamsRouteQueries of(KafkaStreams streams, RouteHealth engine, HostInfo self, AppConfig.Http http) {
        return of(streams, engine, self, http, () -> false);
    }

    /** As {@link #of(KafkaStreams, RouteHealth, HostInfo, AppConfig.Http)}, not alive while {@code replacementLoop}. */
    public static StreamsRouteQueries of(KafkaStreams streams, RouteHealth engine, HostInfo self, AppConfig.Http http,
                                         BooleanSupplier replacementLoop) {
        Duration timeout = http.requestTimeout().compareTo(DEFAULT_PEER_TIMEOUT) < 0
                ? http.requestTimeout().dividedBy(2) : DEFAULT_PEER_TIMEOUT;
        return new StreamsRouteQueries(streams, engine, self, timeout, http.authToken(), replacementLoop);
    }

    @Override
    public List<RouteStatus> routes() {
        List<RouteStatus> all = new ArrayList<>();
        try (KeyValueIterator<String, RouteStatus> it = fleet().all()) {
            while (it.hasNext()) {
                KeyValue<String, RouteStatus> kv = it.next();
                if (kv.value != null) {
                    all.add(kv.value);
                }
            }
        } catch (InvalidStateStoreException e) {
            throw notReady(e);
        }
        all.sort(Comparator.comparing(RouteStatus::route));
        return all;
    }

    @Override
    public Optional<RouteDetail> route(String routeId) {
        RouteStatus status;
        try {
            status = fleet().get(routeId);
        } catch (InvalidStateStoreException e) {
            throw notReady(e);
        }
        if (status == null) {
            return Optional.empty();
        }
        return Optional.of(windowsOf(routeId)
                .map(w -> RouteDetail.of(status, w))
                .orElseGet(() -> RouteDetail.withoutWindows(status)));
    }

    @Override
    public List<ActiveReroute> reroutes() {
        List<ActiveReroute> active = new ArrayList<>();
        for (RouteStatus s : routes()) {
            ActiveReroute r = ActiveReroute.of(s);
            if (r != null) {
                active.add(r);
            }
        }
        return active;
    }

    @Override
    public boolean alive() {
        KafkaStreams.State state = streams.state();
        // A thread replaced again and again is a failure too, though the client never leaves RUNNING for long.
        return state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR
                && !replacementLoop.getAsBoolean();
    }

    @Override
    public boolean ready() {
        return notReadyOrNull() == null;
    }

    @Override
    public String notReadyReason() {
        String reason = notReadyOrNull();
        return reason == null ? "ready" : reason;
    }

    private String notReadyOrNull() {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            return "Kafka Streams is " + state;
        }
        try {
            fleet().approximateNumEntries();
            return null;
        } catch (InvalidStateStoreException e) {
            return "store " + RouteProcessor.FLEET_STORE + " is not queryable: " + e.getMessage();
        }
    }

    @Override
    public Map<String, List<HealthWindow>> recentWindows() {
        Map<String, List<HealthWindow>> all = new TreeMap<>();
        try {
            all.putAll(localWindows());
        } catch (NotReadyException e) {
            LOG.debug("local windows not queryable: {}", e.getMessage());
        }
        if (self != null) {
            List<PeerWindows.Peer> others = new ArrayList<>();
            try {
                for (StreamsMetadata m : streams.streamsMetadataForStore(RouteProcessor.STATE_STORE)) {
                    HostInfo host = m.hostInfo();
                    if (!host.equals(self) && !host.equals(HostInfo.unavailable())) {
                        others.add(new PeerWindows.Peer(host.host(), host.port()));
                    }
                }
            } catch (RuntimeException e) {
                LOG.debug("no metadata for store {}: {}", RouteProcessor.STATE_STORE, e.toString());
            }
            peers.all(others).forEach(all::putIfAbsent);
        }
        return all;
    }

    @Override
    public Map<String, List<HealthWindow>> localWindows() {
        Map<String, List<HealthWindow>> local = new LinkedHashMap<>();
        try (KeyValueIterator<String, RouteState> it = localStates().all()) {
            while (it.hasNext()) {
                KeyValue<String, RouteState> kv = it.next();
                // A scope's state sits in the same store; its windows are the route's business, not the page's.
                if (kv.value != null && kv.value.scopeDim() == null) {
                    local.put(kv.key, engine.recentWindows(kv.value));
                }
            }
        } catch (InvalidStateStoreException e) {
            throw notReady(e);
        }
        return local;
    }

    @Override
    public Optional<List<HealthWindow>> localWindows(String routeId) {
        try {
            RouteState s = localStates().get(routeId);
            return s == null ? Optional.empty() : Optional.of(engine.recentWindows(s));
        } catch (InvalidStateStoreException e) {
            throw notReady(e);
        }
    }

    /** The route's windows from wherever they live; empty when no one can say right now. */
    private Optional<List<HealthWindow>> windowsOf(String routeId) {
        try {
            Optional<List<HealthWindow>> local = localWindows(routeId);
            if (local.isPresent()) {
                return local;
            }
        } catch (NotReadyException e) {
            LOG.debug("local windows of {} not queryable: {}", routeId, e.getMessage());
        }
        if (self == null) {
            return Optional.empty();
        }
        KeyQueryMetadata owner;
        try {
            owner = streams.queryMetadataForKey(RouteProcessor.STATE_STORE, routeId, Serdes.String().serializer());
        } catch (RuntimeException e) {
            LOG.debug("no owner metadata for {}: {}", routeId, e.toString());
            return Optional.empty();
        }
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return Optional.empty();
        }
        HostInfo host = owner.activeHost();
        if (host == null || host.equals(self) || host.equals(HostInfo.unavailable())) {
            // Ours but not (yet) in the local store: the task is being restored or moved.
            return Optional.empty();
        }
        return peers.route(new PeerWindows.Peer(host.host(), host.port()), routeId);
    }

    private ReadOnlyKeyValueStore<String, RouteStatus> fleet() {
        return streams.store(StoreQueryParameters.fromNameAndType(RouteProcessor.FLEET_STORE,
                QueryableStoreTypes.<String, RouteStatus>keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, RouteState> localStates() {
        return streams.store(StoreQueryParameters.fromNameAndType(RouteProcessor.STATE_STORE,
                QueryableStoreTypes.<String, RouteState>keyValueStore()));
    }

    private static NotReadyException notReady(InvalidStateStoreException e) {
        return new NotReadyException("state stores are not queryable right now (" + e.getClass().getSimpleName()
                + "); retry shortly", e);
    }
}
