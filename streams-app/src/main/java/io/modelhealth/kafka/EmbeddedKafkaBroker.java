package io.modelhealth.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) running inside this JVM,
 * for the {@code demo} command and the integration tests.
 *
 * <p>It listens on free ports of 127.0.0.1 only, keeps its data in a fresh temporary directory and
 * deletes that directory on {@link #close()}. For fault tests it can be {@linkplain #stop() stopped}
 * and {@linkplain #restart() started again} on the same ports with the same data, as a broker
 * process that goes down and comes back looks to its clients. Internal topics use replication factor 1 and min ISR 1,
 * so consumer groups and transactions (exactly-once) work on the single node. Topics are never
 * created implicitly ({@code auto.create.topics.enable=false}), so the application's own topic
 * checks are exercised honestly.
 *
 * <p>This is the only class that touches Kafka's internal server classes ({@code kafka.server.*},
 * {@code kafka.tools.*}); they change between releases, which is why the Kafka version is pinned.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
 *     Properties props = new Properties();
 *     props.put("bootstrap.servers", broker.bootstrapServers());
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** The listener that {@link #bootstrapServers()} points at; also used between brokers. */
    public static final String CLIENT_LISTENER = "PLAINTEXT";
    /** The KRaft controller listener (not for clients). */
    public static final String CONTROLLER_LISTENER = "CONTROLLER";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    /** A port picked as free can be taken by another process before the broker binds it; then retry. */
    private static final int START_ATTEMPTS = 3;
    /** Derived from the ports picked at start, or fixed by the single-node KRaft layout. */
    private static final Set<String> MANAGED_PROPERTIES = Set.of(
            "listeners", "advertised.listeners", "listener.security.protocol.map",
            "controller.listener.names", "controller.quorum.bootstrap.servers",
            "controller.quorum.voters", "process.roles", "node.id", "log.dirs", "log.dir");

    /** How long {@link #restart()} keeps trying to bind ports that the stopped broker just released. */
    private static final Duration REBIND_TIMEOUT = Duration.ofSeconds(10);

    /** The running server; null while {@linkplain #stop() stopped}. A KafkaRaftServer cannot start twice. */
    private KafkaRaftServer server;
    private final Path rootDir;
    private final String clusterId;
    private final Map<String, Integer> listenerPorts;
    /** The broker's configuration, kept to start it again with the same ports and data. */
    private final Properties config;
    /** The builder that started it: {@link #restart()} probes readiness with the same timeout and client settings. */
    private final Builder settings;
    private final Duration startupTime;
    private final Thread shutdownHook;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path rootDir, String clusterId, Map<String, Integer> listenerPorts,
                                Properties config, Builder settings, Duration startupTime, boolean closeOnJvmExit) {
        this.server = server;
        this.rootDir = rootDir;
        this.clusterId = clusterId;
        this.listenerPorts = Map.copyOf(listenerPorts);
        this.config = config;
        this.settings = settings;
        this.startupTime = startupTime;
        if (closeOnJvmExit) {
            shutdownHook = new Thread(this::close, "embedded-kafka-broker-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
    }

    /** Starts a broker with the default settings and returns once it answers clients. */
    public static EmbeddedKafkaBroker start() {
        return builder().start();
    }

    /**
     * Starts a broker with extra broker properties (they override the defaults, see
     * {@link Builder#brokerProperty}) and returns once it answers clients.
     */
    public static EmbeddedKafkaBroker start(Map<String, ?> brokerProperties) {
        return builder().brokerProperties(brokerProperties).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:port} of the PLAINTEXT client listener. */
    public String bootstrapServers() {
        return bootstrapServers(CLIENT_LISTENER);
    }

    /** {@code 127.0.0.1:port} of a listener added with {@link Builder#listener}, or of PLAINTEXT. */
    public String bootstrapServers(String listenerName) {
        Integer port = listenerPorts.get(listenerName.toUpperCase(Locale.ROOT));
        if (port == null || listenerName.equalsIgnoreCase(CONTROLLER_LISTENER)) {
            throw new IllegalArgumentException("no client listener named " + listenerName
                    + "; listeners: " + clientListenerNames());
        }
        return HOST + ":" + port;
    }

    public String clusterId() {
        return clusterId;
    }

    /** The directory holding the broker's data and config; deleted by {@link #close()}. */
    public Path dataDir() {
        return rootDir;
    }

    /** How long {@code start()} took, from formatting the storage to the first answered request. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Whether the broker is serving: started and neither {@linkplain #stop() stopped} nor closed. */
    public synchronized boolean isRunning() {
        return server != null && !closed;
    }

    /**
     * Stops the broker as a controlled shutdown of its process would, but remembers its ports for
     * {@link #restart()} (nothing else should bind them meanwhile) and keeps its data directory (logs, metadata, committed offsets, transaction
     * state) in place. Clients see connections refused until it is back. Idempotent.
     *
     * @return how long the shutdown took
     */
    public synchronized Duration stop() {
        requireOpen();
        if (server == null) {
            return Duration.ZERO;
        }
        long begin = System.nanoTime();
        KafkaRaftServer stopping = server;
        server = null;
        stopping.shutdown();
        stopping.awaitShutdown();
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        log.info("Embedded Kafka broker {} stopped in {} ms (data kept in {})", bootstrapServers(), took.toMillis(), rootDir);
        return took;
    }

    /**
     * Starts a {@linkplain #stop() stopped} broker again on the same ports, with the same data and
     * cluster id, and returns once it answers clients: {@link #bootstrapServers()} stays valid, so
     * clients reconnect by themselves. A running broker is stopped first.
     *
     * @return how long it took from this call until the broker answered again
     * @throws IllegalStateException if a port was taken by someone else meanwhile, or it does not answer in time
     */
    public synchronized Duration restart() {
        requireOpen();
        long begin = System.nanoTime();
        if (server != null) {
            stop();
        }
        long rebindDeadline = System.nanoTime() + REBIND_TIMEOUT.toNanos();
        while (true) {
            KafkaRaftServer starting = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
            try {
                starting.startup();
                server = starting;
                break;
            } catch (RuntimeException e) {
                shutdownQuietly(starting, e);
                // The released ports are normally free at once; a socket still closing can hold one briefly.
                if (!Builder.isBindFailure(e) || System.nanoTime() > rebindDeadline) {
                    throw new IllegalStateException("the embedded Kafka broker could not start again on "
                            + listenerPorts + " with the data in " + rootDir, e);
                }
                pause(Duration.ofMillis(200));
            }
        }
        try {
            settings.awaitReady(bootstrapServers(), begin);
        } catch (RuntimeException e) {
            KafkaRaftServer failed = server;
            server = null;
            shutdownQuietly(failed, e);
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        log.info("Embedded Kafka broker restarted on {} in {} ms (cluster {}, data {})", bootstrapServers(),
                took.toMillis(), clusterId, rootDir);
        return took;
    }

    /** Stops the broker (if running), waits for it to finish, and deletes its data directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException jvmShuttingDown) {
                // Then the hook may run too; it finds the broker closed.
            }
        }
        long begin = System.nanoTime();
        try {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
                server = null;
            }
        } finally {
            deleteRecursively(rootDir);
        }
        log.info("Embedded Kafka broker {} stopped in {} ms", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the embedded Kafka broker " + bootstrapServers() + " is closed");
        }
    }

    private static void shutdownQuietly(KafkaRaftServer server, Throwable failure) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    private static void pause(Duration d) {
        try {
            TimeUnit.MILLISECONDS.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting the embedded broker", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", cluster " + clusterId + "]";
    }

    private List<String> clientListenerNames() {
        return listenerPorts.keySet().stream()
                .filter(name -> !name.equals(CONTROLLER_LISTENER))
                .sorted()
                .toList();
    }

    /** Settings for a broker that is not started yet. */
    public static final class Builder {
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, SecurityProtocol> extraListeners = new LinkedHashMap<>();
        private final Map<String, Object> probeClientProperties = new LinkedHashMap<>();
        private Duration startupTimeout = Duration.ofSeconds(60);
        private boolean closeOnJvmExit = true;

        private Builder() {
        }

        /**
         * Sets a broker property, overriding the defaults. Listener wiring ({@code listeners},
         * {@code advertised.listeners}, {@code listener.security.protocol.map},
         * {@code controller.quorum.bootstrap.servers}) is managed by this class because it depends
         * on the ports picked at start; add listeners with {@link #listener} and configure them
         * with per-listener properties ({@code listener.name.<name>.<property>}).
         */
        public Builder brokerProperty(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value of " + key);
            if (MANAGED_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException(key + " is set by EmbeddedKafkaBroker from the "
                        + "ports it picks; use Builder.listener(name, protocol) to add a listener");
            }
            brokerProperties.put(key, value.toString());
            return this;
        }

        /** {@link #brokerProperty} for each entry. */
        public Builder brokerProperties(Map<String, ?> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * Adds a client listener on its own free port, e.g. {@code listener("SASL_PLAINTEXT",
         * SecurityProtocol.SASL_PLAINTEXT)}; its address is {@link #bootstrapServers(String)}.
         * The PLAINTEXT listener always exists and stays the inter-broker listener, so a secured
         * listener needs no broker-side client credentials.
         */
        public Builder listener(String name, SecurityProtocol protocol) {
            String upper = name.toUpperCase(Locale.ROOT);
            if (upper.equals(CLIENT_LISTENER) || upper.equals(CONTROLLER_LISTENER)) {
                throw new IllegalArgumentException(upper + " is always present");
            }
            extraListeners.put(upper, Objects.requireNonNull(protocol, "protocol"));
            return this;
        }

        /**
         * Adds a TLS client listener ({@code SSL} or {@code SASL_SSL}) on its own free port that presents
         * the key entry of {@code keyStore} (PKCS12; {@code password} opens the store and the key). The
         * listener advertises {@code 127.0.0.1}, so for clients that verify the host name (Kafka's default,
         * {@code ssl.endpoint.identification.algorithm=https}) the certificate needs the IP SAN
         * {@code 127.0.0.1}. Client certificates ({@code ssl.client.auth}, a trust store) and SASL
         * mechanisms are per-listener {@link #brokerProperty broker properties},
         * {@code listener.name.<name lower-cased>.<property>}.
         */
        public Builder sslListener(String name, SecurityProtocol protocol, Path keyStore, String password) {
            if (protocol != SecurityProtocol.SSL && protocol != SecurityProtocol.SASL_SSL) {
                throw new IllegalArgumentException("a TLS listener is SSL or SASL_SSL, not " + protocol);
            }
            listener(name, protocol);
            String prefix = listenerPrefix(name);
            brokerProperty(prefix + "ssl.keystore.type", "PKCS12");
            brokerProperty(prefix + "ssl.keystore.location", keyStore.toAbsolutePath());
            brokerProperty(prefix + "ssl.keystore.password", password);
            brokerProperty(prefix + "ssl.key.password", password);
            return this;
        }

        /** {@code listener.name.<name>.}: the prefix of a listener's own broker properties. */
        public static String listenerPrefix(String listenerName) {
            return "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".";
        }

        /** How long {@link #start()} may take before it gives up (default 60 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Whether a JVM shutdown hook closes the broker (and deletes its data) if nobody did, for
         * example on Ctrl-C (default true). Turn it off when your own shutdown hook closes the
         * broker after the clients that use it: JVM hooks run concurrently, so the default hook
         * could stop the broker under a Kafka Streams instance that is still committing.
         */
        public Builder closeOnJvmExit(boolean enabled) {
            this.closeOnJvmExit = enabled;
            return this;
        }

        /**
         * Extra client properties for the readiness probe, which talks to the PLAINTEXT listener;
         * only needed if broker properties make that listener demand something of its clients.
         */
        public Builder probeClientProperty(String key, Object value) {
            probeClientProperties.put(key, value);
            return this;
        }

        /** Formats a new data directory, starts the broker, and returns once it answers clients. */
        public EmbeddedKafkaBroker start() {
            RuntimeException last = null;
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                try {
                    return startOnce();
                } catch (PortTakenException e) {
                    last = e;
                    log.warn("Embedded Kafka broker: a picked port was taken (attempt {} of {}), "
                            + "retrying on new ports", attempt, START_ATTEMPTS);
                }
            }
            throw last;
        }

        private EmbeddedKafkaBroker startOnce() {
            long begin = System.nanoTime();
            Path root = createTempDir();
            KafkaRaftServer server = null;
            try {
                Map<String, Integer> ports = pickPorts();
                Properties props = brokerConfig(root, ports);
                String clusterId = Uuid.randomUuid().toString();
                formatStorage(root, props, clusterId);

                server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
                try {
                    server.startup();
                } catch (RuntimeException e) {
                    if (isBindFailure(e)) {
                        throw new PortTakenException(e);
                    }
                    throw e;
                }
                String bootstrap = HOST + ":" + ports.get(CLIENT_LISTENER);
                awaitReady(bootstrap, begin);
                Duration took = Duration.ofNanos(System.nanoTime() - begin);
                log.info("Embedded Kafka broker started on {} in {} ms (cluster {}, data {})",
                        bootstrap, took.toMillis(), clusterId, root);
                return new EmbeddedKafkaBroker(server, root, clusterId, ports, props, this, took, closeOnJvmExit);
            } catch (RuntimeException | Error e) {
                if (server != null) {
                    try {
                        server.shutdown();
                        server.awaitShutdown();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                deleteRecursively(root);
                throw e;
            }
        }

        private Map<String, Integer> pickPorts() {
            List<String> names = new ArrayList<>();
            names.add(CLIENT_LISTENER);
            names.add(CONTROLLER_LISTENER);
            names.addAll(extraListeners.keySet());
            // Hold every socket until all ports are picked, so no two listeners get the same port.
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                Map<String, Integer> ports = new LinkedHashMap<>();
                for (String name : names) {
                    ServerSocket socket = new ServerSocket();
                    sockets.add(socket);
                    socket.setReuseAddress(true);
                    socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
                    ports.put(name, socket.getLocalPort());
                }
                return ports;
            } catch (IOException e) {
                throw new UncheckedIOException("could not find free ports on " + HOST, e);
            } finally {
                for (ServerSocket socket : sockets) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // the port is released either way
                    }
                }
            }
        }

        private Properties brokerConfig(Path root, Map<String, Integer> ports) {
            Map<String, SecurityProtocol> protocols = new LinkedHashMap<>();
            protocols.put(CLIENT_LISTENER, SecurityProtocol.PLAINTEXT);
            protocols.put(CONTROLLER_LISTENER, SecurityProtocol.PLAINTEXT);
            protocols.putAll(extraListeners);

            String listeners = listenerList(ports, ports.keySet());
            List<String> clientListeners = ports.keySet().stream()
                    .filter(name -> !name.equals(CONTROLLER_LISTENER))
                    .toList();

            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", String.valueOf(NODE_ID));
            props.put("listeners", listeners);
            props.put("advertised.listeners", listenerList(ports, clientListeners));
            props.put("listener.security.protocol.map", protocols.entrySet().stream()
                    .map(e -> e.getKey() + ":" + e.getValue().name)
                    .collect(Collectors.joining(",")));
            props.put("inter.broker.listener.name", CLIENT_LISTENER);
            props.put("controller.listener.names", CONTROLLER_LISTENER);
            props.put("controller.quorum.bootstrap.servers", HOST + ":" + ports.get(CONTROLLER_LISTENER));
            props.put("log.dirs", root.resolve("data").toString());

            // One node: every internal topic has one replica, and one in-sync replica is enough,
            // otherwise the group coordinator and transactions (exactly-once) would never start.
            props.put("offsets.topic.replication.factor", "1");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("default.replication.factor", "1");
            props.put("min.insync.replicas", "1");

            // Light and fast for tests and the demo. Fewer internal partitions make the first
            // consumer group and the first transaction start quicker (the defaults are 50 each).
            props.put("offsets.topic.num.partitions", "5");
            props.put("transaction.state.log.num.partitions", "5");
            props.put("share.coordinator.state.topic.num.partitions", "5");
            props.put("num.partitions", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", "false");
            props.put("num.network.threads", "2");
            props.put("num.io.threads", "4");
            props.put("background.threads", "4");
            props.put("log.cleaner.threads", "1");
            // The cleaner's default 128 MiB buffer is sized for production; compacted topics in a
            // demo or test hold a few thousand keys.
            props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));

            props.putAll(brokerProperties);
            return props;
        }

        private static String listenerList(Map<String, Integer> ports, Collection<String> names) {
            return names.stream()
                    .map(name -> name + "://" + HOST + ":" + ports.get(name))
                    .collect(Collectors.joining(","));
        }

        private static void formatStorage(Path root, Properties props, String clusterId) {
            Path configFile = root.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                props.store(out, "embedded model-health broker");
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + configFile, e);
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int status;
            try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                // --standalone: this node is the only voter of a dynamic quorum (KIP-853).
                status = StorageTool.execute(new String[] {
                    "format", "-t", clusterId, "-c", configFile.toString(), "--standalone", "--ignore-formatted"
                }, printStream);
            }
            String text = output.toString(StandardCharsets.UTF_8).strip();
            if (status != 0) {
                throw new IllegalStateException("formatting the embedded broker's storage failed ("
                        + status + "): " + text);
            }
            log.debug("kafka-storage format: {}", text);
        }

        void awaitReady(String bootstrap, long beginNanos) {
            long deadline = beginNanos + startupTimeout.toNanos();
            Map<String, Object> clientProps = new LinkedHashMap<>(probeClientProperties);
            clientProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            clientProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-broker-readiness");
            clientProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            clientProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
            clientProps.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
            Exception lastFailure = null;
            try (Admin admin = Admin.create(clientProps)) {
                while (System.nanoTime() < deadline) {
                    int remainingMs = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                    try {
                        Collection<Node> nodes = admin.describeCluster(
                                        new DescribeClusterOptions().timeoutMs(remainingMs))
                                .nodes().get(remainingMs, TimeUnit.MILLISECONDS);
                        if (nodes.stream().anyMatch(node -> node.id() == NODE_ID)) {
                            return;
                        }
                        lastFailure = null;
                    } catch (ExecutionException e) {
                        lastFailure = e;
                    } catch (TimeoutException e) {
                        lastFailure = e;
                        break;
                    }
                    // The broker lists itself once the controller has unfenced it; that takes
                    // milliseconds after startup() returns, so poll briefly.
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the embedded broker", e);
            }
            throw new IllegalStateException("the embedded Kafka broker at " + bootstrap
                    + " did not answer within " + startupTimeout.toSeconds() + " s", lastFailure);
        }

        static boolean isBindFailure(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    return true;
                }
                String message = t.getMessage();
                if (message != null && message.contains("Address already in use")) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("model-health-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temporary directory for the embedded broker", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            // Children before parents.
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            log.warn("could not delete the embedded broker's directory {}: {}", dir, e.toString());
        }
    }

    /** A port picked as free was bound by someone else before the broker got to it. */
    private static final class PortTakenException extends RuntimeException {
        PortTakenException(Throwable cause) {
            super("a port picked for the embedded broker was taken by another process", cause);
        }
    }
}
