package io.modelhealth.app;

import io.modelhealth.alerts.sink.AlertmanagerSink;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.kafka.TopicReport;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.http.HttpApi;
import io.modelhealth.http.MetricsRegistry;
import io.modelhealth.http.StreamsRouteQueries;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.topology.AppTopics;
import io.modelhealth.topology.HealthTopology;
import io.modelhealth.topology.InputLag;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor as a running process: checks the topics, builds the topology
 * ({@link HealthTopology#build}) and runs it in Kafka Streams with exactly-once processing.
 * {@code run} and {@code demo} both start it through {@link #start}.
 */
public final class ModelHealthApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelHealthApp.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final AppConfig config;
    private final String configVersion;
    private final KafkaStreams streams;
    private final MetricsRegistry registry;
    private final HealthMetrics metrics;
    private final KafkaStreamsMetrics streamsMetrics;
    private final HttpApi http;
    /** Posts the alerts topic to Alertmanager; null without alerts.alertmanager-url. */
    private final AlertmanagerSink alertmanagerSink;
    /** The block cache and memtable budget of every store; freed after Kafka Streams has closed. */
    private final BoundedRocksDbConfig.Memory rocksDbMemory;

    private ModelHealthApp(AppConfig config, String configVersion, KafkaStreams streams, MetricsRegistry registry,
                           HealthMetrics metrics, KafkaStreamsMetrics streamsMetrics, HttpApi http,
                           AlertmanagerSink alertmanagerSink, BoundedRocksDbConfig.Memory rocksDbMemory) {
        this.config = config;
        this.configVersion = configVersion;
        this.streams = streams;
        this.registry = registry;
        this.metrics = metrics;
        this.streamsMetrics = streamsMetrics;
        this.http = http;
        this.alertmanagerSink = alertmanagerSink;
        this.rocksDbMemory = rocksDbMemory;
    }

    /**
     * Checks the topics against the spec (a missing or misconfigured topic fails with what to run),
     * then starts Kafka Streams and the HTTP server (metrics, API, status page). Returns at once;
     * use {@link #awaitRunning} to wait.
     *
     * @param streamsOverrides extra Kafka Streams properties over the config (tests: state dir, commit interval)
     */
    public static ModelHealthApp start(AppConfig config, Map<String, String> streamsOverrides) {
        String version = ConfigLoader.configVersion(config);
        int[] inputs = checkTopics(config);
        int partitions = inputs[0];
        int port = config.http().port() == 0 ? freePort() : config.http().port();
        MetricsRegistry registry = new MetricsRegistry();
        HealthMetrics metrics = new HealthMetrics(registry.registry(), config.namedRoutes(), config.limits().meteredRoutes());
        Topology topology = HealthTopology.build(config, version, partitions, inputs[1], metrics);
        Properties props = StreamsSettings.from(config);
        if (!config.kafka().containsKey(StreamsConfig.APPLICATION_SERVER_CONFIG)) {
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "localhost:" + port);
        }
        props.putAll(streamsOverrides);
        BoundedRocksDbConfig.Memory rocksDbMemory = BoundedRocksDbConfig.Memory.of(config.rocksdb());
        props.put(BoundedRocksDbConfig.MEMORY, rocksDbMemory);
        // Ingest tasks call a partition idle only once its consumer has caught up with it, not on silence alone.
        InputLag inputLag = new InputLag();
        props.put(InputLag.CONFIG, inputLag);
        KafkaStreams streams = new KafkaStreams(topology, props);
        inputLag.attach(streams::metrics);
        ThreadReplacements replacements = new ThreadReplacements(config.operations(), Clock.systemUTC(), registry.registry());
        streams.setUncaughtExceptionHandler(e -> {
            // Input can't cause this (bad records are dead-lettered); a broker, a misconfigured topic or a bug can.
            // With exactly-once a new thread resumes from the last commit, so nothing is lost or doubled; if it
            // fails again and again, ThreadReplacements turns /healthz 503 and the pod is restarted.
            replacements.replaced();
            log.error("stream thread failed; replacing it ({} replacements within operations.thread-replacement-window, "
                    + "at most {} allowed{})", replacements.recentCount(), config.operations().maxThreadReplacements(),
                    replacements.looping() ? ": /healthz now answers 503" : "", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> log.info("kafka streams {} -> {}", before, now));
        KafkaStreamsMetrics streamsMetrics = registry.bind(streams);
        HttpApi http;
        try {
            String server = props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
            HostInfo self = server == null ? null : HostInfo.buildFromEndpoint(server);
            StreamsRouteQueries queries = StreamsRouteQueries.of(streams, new RouteHealth(config, version), self, config.http(),
                    replacements::looping);
            http = new HttpApi(config.http().withPort(port), registry.registry(), queries, Clock.systemUTC());
        } catch (IOException e) {
            streamsMetrics.close();
            registry.close();
            rocksDbMemory.close();
            throw new StartupException("cannot listen on " + config.http().host() + ":" + port + " (http.host, http.port): "
                    + e.getMessage(), e);
        }
        AlertmanagerSink alertmanagerSink = null;
        if (config.alerts().alertmanagerUrl() != null) {
            try {
                // Its own consumer group and thread: a slow or dead Alertmanager never holds up the stream.
                alertmanagerSink = new AlertmanagerSink(config, registry.registry());
            } catch (RuntimeException e) {
                http.close();
                streams.close();
                streamsMetrics.close();
                registry.close();
                rocksDbMemory.close();
                throw new StartupException("cannot create the Alertmanager sink (alerts.alertmanager-url): " + e.getMessage(), e);
            }
        }
        log.info("starting model-health (config {}, {} input partitions{}, application.id {}, http :{})", version,
                partitions, config.otlp().enabled() ? " + " + inputs[1] + " of OTLP spans (" + config.otlp().topic() + ", "
                        + config.otlp().encoding().wireName() + ")" : "",
                props.get(StreamsConfig.APPLICATION_ID_CONFIG), http.port());
        streams.start();
        if (alertmanagerSink != null) {
            alertmanagerSink.start();
        }
        return new ModelHealthApp(config, version, streams, registry, metrics, streamsMetrics, http, alertmanagerSink,
                rocksDbMemory);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new StartupException("no free TCP port for the HTTP server: " + e.getMessage(), e);
        }
    }

    /** Verifies every topic; returns the partition counts of the calls topic and of the OTLP topic (0 when not enabled). */
    static int[] checkTopics(AppConfig config) {
        String bootstrap = config.kafka().get("bootstrap.servers");
        Map<String, String> clientProps = config.kafka();
        try (TopicAdmin admin = TopicAdmin.connect(bootstrap, clientProps, ADMIN_TIMEOUT)) {
            TopicReport report = admin.check(AppTopics.specs(config));
            List<String> problems = report.problems().stream()
                    // More partitions than the spec is a legitimate scale-up; everything else is not.
                    .filter(p -> !p.contains("cannot shrink"))
                    .toList();
            if (!problems.isEmpty()) {
                throw new StartupException("the topics do not match the topic spec:\n  " + String.join("\n  ", problems)
                        + "\nCreate missing topics with `model-health topics --bootstrap-servers " + bootstrap
                        + "`; fix mismatched ones with kafka-configs / kafka-topics as each line says.");
            }
        } catch (TopicAdmin.TopicAdminException e) {
            throw new StartupException(e.getMessage(), e);
        }
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        String calls = config.topics().calls();
        String otlp = config.otlp().enabled() ? config.otlp().topic() : null;
        try (Admin admin = Admin.create(p)) {
            Map<String, TopicDescription> d = admin.describeTopics(otlp == null ? List.of(calls) : List.of(calls, otlp))
                    .allTopicNames().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new int[]{d.get(calls).partitions().size(), otlp == null ? 0 : d.get(otlp).partitions().size()};
        } catch (Exception e) {
            throw new StartupException("cannot describe topic " + calls + (otlp == null ? "" : " and " + otlp) + " at "
                    + bootstrap + ": " + e.getMessage(), e);
        }
    }

    /** Waits until Kafka Streams is RUNNING; throws if it fails or the timeout passes. */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                throw new StartupException("kafka streams stopped while starting: " + streams.state());
            }
            if (System.nanoTime() > deadline) {
                throw new StartupException("kafka streams not RUNNING after " + timeout.toSeconds() + " s (state "
                        + streams.state() + "); is the cluster reachable?");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while starting");
            }
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public AppConfig config() {
        return config;
    }

    public String configVersion() {
        return configVersion;
    }

    public HealthMetrics metrics() {
        return metrics;
    }

    /** The RocksDB memory every store of this instance shares (what {@code rocksdb.*} bounds). */
    public BoundedRocksDbConfig.Memory rocksDbMemory() {
        return rocksDbMemory;
    }

    /** The port the HTTP server listens on (metrics, API, status page). */
    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        if (alertmanagerSink != null) {
            alertmanagerSink.close();
        }
        http.close();
        // Long enough for a clean close: commit, flush the state stores, leave the group.
        streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)));
        streamsMetrics.close();
        registry.close();
        rocksDbMemory.close();
    }
}
