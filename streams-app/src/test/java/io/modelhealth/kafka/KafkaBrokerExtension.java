package io.modelhealth.kafka;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Gives integration tests a Kafka cluster, one for the whole test run: started on first use, kept
 * in the root {@link ExtensionContext.Store} (which closes it when the run ends), and shared by
 * every test class in the JVM, because starting a broker costs about two seconds.
 *
 * <p>Which cluster, first match wins ({@code SharedCluster.start()}):
 * <ol>
 *   <li>{@value #BOOTSTRAP_ENV} set: the cluster at those bootstrap servers (nothing is started;
 *       topics the tests create are deleted at the end);</li>
 *   <li>{@value #DOCKER_ENV}{@code =true} (environment variable or system property) and a Docker
 *       engine answers: a Testcontainers {@link KafkaContainer} of {@value #KAFKA_IMAGE}, the broker
 *       image the compose file runs. Opt-in, so that a machine that happens to have Docker does not
 *       silently switch its build to pulling images; asked for without an engine, it logs why and
 *       falls through;</li>
 *   <li>otherwise an {@link EmbeddedKafkaBroker}.</li>
 * </ol>
 *
 * <p>Use it either way:
 * <pre>{@code
 * @ExtendWith(KafkaBrokerExtension.class)
 * class SomeIT {
 *     @Test void works(KafkaCluster kafka) { ... kafka.bootstrapServers() ... }
 * }
 *
 * class OtherIT {
 *     @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();
 *     @Test void works() { String topic = kafka.createTopic("calls"); ... }
 * }
 * }</pre>
 * Tests must not assume they own the cluster: they create uniquely named topics
 * ({@link #createTopic}, {@link #uniqueTopicName}) and use unique group and transactional ids.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver,
        KafkaCluster {

    /** Bootstrap servers of an external cluster to test against instead of the embedded broker. */
    public static final String BOOTSTRAP_ENV = "MODEL_HEALTH_TEST_BOOTSTRAP";
    /** {@code true} (environment variable or system property): run Kafka in Docker through Testcontainers. */
    public static final String DOCKER_ENV = "MODEL_HEALTH_TEST_DOCKER";
    /** The broker image for Testcontainers; deploy/compose/docker-compose.yml runs the same one. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.0";
    /**
     * How long to wait for Testcontainers to find a Docker engine. Without one the answer comes in
     * milliseconds; the bound is only there so that a half-configured DOCKER_HOST cannot hang the build.
     */
    private static final Duration DOCKER_PROBE_TIMEOUT = Duration.ofSeconds(20);

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    private volatile KafkaCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = shared(context);
    }

    /** Also covers an extension registered in a non-static field, which gets no beforeAll. */
    @Override
    public void beforeEach(ExtensionContext context) {
        cluster = shared(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return shared(extensionContext);
    }

    /** Whether {@value #DOCKER_ENV} asks for Kafka in Docker (environment variable or system property). */
    public static boolean dockerRequested() {
        String value = System.getProperty(DOCKER_ENV, System.getenv(DOCKER_ENV));
        return value != null && value.strip().equalsIgnoreCase("true");
    }

    /**
     * Why Testcontainers cannot run a container here, or empty if a Docker engine answers. Never
     * throws and never waits longer than {@link #DOCKER_PROBE_TIMEOUT}.
     */
    public static Optional<String> dockerUnavailableReason() {
        CompletableFuture<Boolean> probe = CompletableFuture.supplyAsync(() -> {
            try {
                return DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError e) {
                return false;
            }
        });
        try {
            return probe.get(DOCKER_PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    ? Optional.empty()
                    : Optional.of("no Docker engine found by Testcontainers (DOCKER_HOST, /var/run/docker.sock, "
                            + "~/.testcontainers.properties)");
        } catch (TimeoutException e) {
            return Optional.of("Testcontainers found no Docker engine within " + DOCKER_PROBE_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            return Optional.of("the Docker check failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while looking for a Docker engine");
        }
    }

    /**
     * A not-yet-started single-node KRaft {@link KafkaContainer} of {@value #KAFKA_IMAGE}, set up like
     * the embedded broker where it matters: no implicit topic creation (the app's topic checks are
     * exercised honestly) and no initial rebalance delay.
     */
    public static KafkaContainer newKafkaContainer() {
        return new KafkaContainer(KAFKA_IMAGE)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    }

    /** The shared cluster; there is one per test run, whichever way the extension is registered. */
    private static KafkaCluster shared(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedCluster.class, key -> SharedCluster.start(), SharedCluster.class);
    }

    private KafkaCluster cluster() {
        KafkaCluster current = cluster;
        if (current == null) {
            throw new IllegalStateException("the Kafka cluster is available once JUnit has run the extension's "
                    + "beforeAll/beforeEach; register it with @RegisterExtension on a static field");
        }
        return current;
    }

    @Override
    public String bootstrapServers() {
        return cluster().bootstrapServers();
    }

    @Override
    public Map<String, Object> clientProperties() {
        return cluster().clientProperties();
    }

    @Override
    public short replicationFactor() {
        return cluster().replicationFactor();
    }

    @Override
    public String uniqueTopicName(String prefix) {
        return cluster().uniqueTopicName(prefix);
    }

    @Override
    public String createTopic(String prefix, int partitions, Map<String, String> configs) {
        return cluster().createTopic(prefix, partitions, configs);
    }

    @Override
    public String description() {
        return cluster().description();
    }

    /**
     * The cluster of this test run and an admin client for it. Closed by JUnit when the root
     * context closes (the store closes {@link AutoCloseable} values): stops the embedded broker,
     * or deletes the topics this run created on an external cluster.
     */
    private static final class SharedCluster implements KafkaCluster, AutoCloseable {
        private static final Logger log = LoggerFactory.getLogger(SharedCluster.class);
        private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
        /** Distinguishes this run's topics from earlier runs' on a long-lived external cluster. */
        private static final String RUN_ID = UUID.randomUUID().toString().substring(0, 8);

        /** What {@link #close()} stops: the embedded broker or the container; empty for an external cluster. */
        private final Optional<AutoCloseable> owned;
        /** "embedded broker", "Testcontainers Kafka apache/kafka:…" or "external cluster". */
        private final String kind;
        private final String bootstrapServers;
        private final Admin admin;
        private final short replicationFactor;
        private final AtomicLong topicCounter = new AtomicLong();
        private final List<String> testTopics = new ArrayList<>();

        private SharedCluster(Optional<AutoCloseable> owned, String kind, String bootstrapServers) {
            this.owned = owned;
            this.kind = kind;
            this.bootstrapServers = bootstrapServers;
            Map<String, Object> adminProps = new HashMap<>(clientProperties());
            adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "test-cluster-admin");
            adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
            this.admin = Admin.create(adminProps);
            int brokers = get(admin.describeCluster().nodes()).size();
            this.replicationFactor = (short) Math.min(3, brokers);
        }

        static SharedCluster start() {
            String external = System.getenv(BOOTSTRAP_ENV);
            if (external != null && !external.isBlank()) {
                log.info("integration tests use the external Kafka cluster at {} ({})", external, BOOTSTRAP_ENV);
                return new SharedCluster(Optional.empty(), "external cluster", external.strip());
            }
            if (dockerRequested()) {
                Optional<String> unavailable = dockerUnavailableReason();
                if (unavailable.isEmpty()) {
                    return startContainer();
                }
                log.warn("{}=true but {}: integration tests use the embedded broker", DOCKER_ENV, unavailable.get());
            }
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
            try {
                return new SharedCluster(Optional.of(broker), "embedded broker", broker.bootstrapServers());
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
        }

        private static SharedCluster startContainer() {
            KafkaContainer container = newKafkaContainer();
            container.start();
            try {
                log.info("integration tests use Testcontainers Kafka {} at {}", KAFKA_IMAGE, container.getBootstrapServers());
                return new SharedCluster(Optional.of(container::stop), "Testcontainers Kafka " + KAFKA_IMAGE,
                        container.getBootstrapServers());
            } catch (RuntimeException e) {
                container.stop();
                throw e;
            }
        }

        @Override
        public String bootstrapServers() {
            return bootstrapServers;
        }

        @Override
        public Map<String, Object> clientProperties() {
            return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }

        @Override
        public short replicationFactor() {
            return replicationFactor;
        }

        @Override
        public String uniqueTopicName(String prefix) {
            String name = prefix + "-" + RUN_ID + "-" + topicCounter.incrementAndGet();
            // Remembered whether or not the test creates it, so an external cluster is left clean.
            synchronized (testTopics) {
                testTopics.add(name);
            }
            return name;
        }

        @Override
        public String createTopic(String prefix, int partitions, Map<String, String> configs) {
            String name = uniqueTopicName(prefix);
            get(admin.createTopics(List.of(new NewTopic(name, partitions, replicationFactor).configs(configs))).all());
            // Creation is acknowledged by the controller; wait until a broker serves the topic.
            await("topic " + name + " listed").atMost(ADMIN_TIMEOUT)
                    .ignoreExceptions()
                    .until(() -> get(admin.describeTopics(List.of(name)).allTopicNames()).containsKey(name));
            return name;
        }

        @Override
        public String description() {
            return kind + " at " + bootstrapServers;
        }

        @Override
        public void close() {
            try {
                if (owned.isEmpty()) {
                    deleteTestTopics();
                }
                admin.close(Duration.ofSeconds(5));
            } finally {
                if (owned.isPresent()) {
                    try {
                        owned.get().close();
                    } catch (Exception e) {
                        log.warn("could not stop the {} at {}: {}", kind, bootstrapServers, e.toString());
                    }
                }
            }
        }

        private void deleteTestTopics() {
            List<String> topics;
            synchronized (testTopics) {
                topics = List.copyOf(testTopics);
            }
            if (topics.isEmpty()) {
                return;
            }
            admin.deleteTopics(topics).topicNameValues().forEach((topic, deletion) -> {
                try {
                    get(deletion);
                } catch (RuntimeException e) {
                    // Most often a name the test never created.
                    log.debug("test topic {} not deleted from {}: {}", topic, bootstrapServers, e.toString());
                }
            });
        }

        private static <T> T get(KafkaFuture<T> future) {
            try {
                return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("admin call failed: " + e.getMessage(), e);
            }
        }
    }
}
