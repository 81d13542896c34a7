package io.modelhealth.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a cluster's topics match a list of {@link TopicSpec}s: {@link #ensure} creates the missing
 * ones and checks the rest, {@link #check} and {@link #verify} only look.
 *
 * <p>Input: {@code List<TopicSpec>}. Output: a {@link TopicReport} (created / ok / mismatched /
 * missing per topic) or, from {@code verify}, the problems as sentences such as
 * {@code topic model.health.state: cleanup.policy is 'delete', spec says 'compact'}.
 *
 * <p>Existing topics are never changed: altering a live topic's partitions or cleanup policy has
 * consequences (keys move partitions; a compacted topic loses history) that an operator should
 * choose, so the report says what differs and which command would change it.
 *
 * <p>Every admin call has a deadline; an unreachable or unauthorised cluster fails with a
 * {@link TopicAdminException} naming the bootstrap servers, never a hang.
 */
public final class TopicAdmin implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(TopicAdmin.class);
    /** The future of an admin call gets this much longer than the call's own deadline to report it. */
    private static final long FUTURE_SLACK_MS = 5_000;
    private static final long RECHECK_BACKOFF_MS = 100;

    private final Admin admin;
    private final boolean ownsAdmin;
    private final String bootstrapServers;
    private final Duration timeout;

    private TopicAdmin(Admin admin, boolean ownsAdmin, String bootstrapServers, Duration timeout) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.ownsAdmin = ownsAdmin;
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("timeout must be positive and below 24 days, got " + timeout);
        }
        this.timeout = timeout;
    }

    /** Connects to a cluster with the default timeout and no extra client properties. */
    public static TopicAdmin connect(String bootstrapServers) {
        return connect(bootstrapServers, Map.of(), DEFAULT_TIMEOUT);
    }

    /**
     * Connects to a cluster with its own admin client, closed by {@link #close()}.
     *
     * @param clientProperties any admin-client properties (security settings, for instance); they
     *                         override this class's request timeouts, but not the bootstrap servers
     * @param timeout          deadline for each admin call
     */
    public static TopicAdmin connect(String bootstrapServers, Map<String, ?> clientProperties, Duration timeout) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "model-health-topics");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new TopicAdmin(Admin.create(props), true, bootstrapServers, timeout);
    }

    /**
     * Uses an admin client owned by the caller ({@link #close()} leaves it open).
     *
     * @param bootstrapServers where {@code admin} connects; only used in messages
     */
    public static TopicAdmin using(Admin admin, String bootstrapServers, Duration timeout) {
        return new TopicAdmin(admin, false, bootstrapServers, timeout);
    }

    /**
     * Creates the topics that do not exist yet and checks those that do. A topic that someone else
     * creates at the same moment counts as existing and is checked. Returns once the brokers list
     * every created topic, so clients started next find them.
     *
     * @throws TopicAdminException if the cluster does not answer in time or refuses a creation
     */
    public TopicReport ensure(List<TopicSpec> specs) {
        TopicReport found = check(specs);
        List<TopicSpec> missing = specs.stream()
                .filter(spec -> found.status(spec.name()) == TopicReport.Status.MISSING)
                .toList();
        if (missing.isEmpty()) {
            return found;
        }

        Map<String, KafkaFuture<Void>> creations = admin.createTopics(
                        missing.stream().map(TopicSpec::toNewTopic).toList(),
                        new CreateTopicsOptions().timeoutMs(timeoutMs()))
                .values();
        Map<String, TopicReport.Entry> outcomes = new HashMap<>();
        List<TopicSpec> createdElsewhere = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (TopicSpec spec : missing) {
            try {
                await(creations.get(spec.name()), "creating topic " + spec.name());
                outcomes.put(spec.name(), TopicReport.Entry.created(spec.name()));
                log.info("created topic {} ({} partitions, replication factor {}, {})",
                        spec.name(), spec.partitions(), spec.replicationFactor(), spec.configs());
            } catch (KafkaCallException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    createdElsewhere.add(spec);
                } else {
                    failures.add("could not create topic " + spec.name() + ": " + e.getCause().getMessage());
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new TopicAdminException(String.join("; ", failures) + " (Kafka at " + bootstrapServers + ")");
        }
        // The controller has accepted the topics; return only once a broker serves them, so that
        // a client started next (Kafka Streams fails on missing source topics) finds them.
        awaitListed(missing.stream().map(TopicSpec::name).toList());
        if (!createdElsewhere.isEmpty()) {
            check(createdElsewhere).entries().forEach(entry -> outcomes.put(entry.topic(), entry));
        }

        List<TopicReport.Entry> entries = found.entries().stream()
                .map(entry -> outcomes.getOrDefault(entry.topic(), entry))
                .toList();
        return new TopicReport(entries);
    }

    /**
     * Compares the cluster's topics with the specs without changing anything: partitions,
     * replication factor, and each config the spec names.
     *
     * @throws TopicAdminException if the cluster does not answer in time
     */
    public TopicReport check(List<TopicSpec> specs) {
        Map<String, TopicSpec> byName = byName(specs);
        if (byName.isEmpty()) {
            return new TopicReport(List.of());
        }

        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(
                        byName.keySet(), new DescribeTopicsOptions().timeoutMs(timeoutMs()))
                .topicNameValues();
        Map<String, TopicDescription> descriptions = new HashMap<>();
        for (String name : byName.keySet()) {
            TopicDescription description = awaitUnlessUnknown(described.get(name), "describing topic " + name);
            if (description != null) {
                descriptions.put(name, description);
            }
        }

        Map<String, Config> configs = describeConfigs(descriptions.keySet());

        List<TopicReport.Entry> entries = new ArrayList<>();
        for (TopicSpec spec : byName.values()) {
            TopicDescription description = descriptions.get(spec.name());
            Config config = configs.get(spec.name());
            if (description == null || config == null) {
                entries.add(TopicReport.Entry.missing(spec.name()));
            } else {
                entries.add(TopicReport.Entry.compared(spec.name(), differences(spec, description, config)));
            }
        }
        return new TopicReport(entries);
    }

    /**
     * The differences between the cluster and the specs as sentences, one per problem, e.g.
     * {@code topic llm.calls: 3 partitions, spec says 6 (...)} or {@code topic x: missing};
     * empty when everything matches.
     */
    public List<String> verify(List<TopicSpec> specs) {
        return check(specs).problems();
    }

    /** Closes the admin client if this object created it. */
    @Override
    public void close() {
        if (ownsAdmin) {
            admin.close(Duration.ofSeconds(5));
        }
    }

    private Map<String, Config> describeConfigs(Set<String> topics) {
        if (topics.isEmpty()) {
            return Map.of();
        }
        Map<ConfigResource, KafkaFuture<Config>> futures = admin.describeConfigs(
                        topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList(),
                        new DescribeConfigsOptions().timeoutMs(timeoutMs()))
                .values();
        Map<String, Config> configs = new HashMap<>();
        futures.forEach((resource, future) -> {
            // A topic deleted since it was described reads as missing.
            Config config = awaitUnlessUnknown(future, "describing the configs of topic " + resource.name());
            if (config != null) {
                configs.put(resource.name(), config);
            }
        });
        return configs;
    }

    private List<String> differences(TopicSpec spec, TopicDescription description, Config config) {
        String topic = spec.name();
        List<String> problems = new ArrayList<>();

        int partitions = description.partitions().size();
        if (partitions < spec.partitions()) {
            problems.add(String.format("topic %s: %d partitions, spec says %d (partitions can only grow, and keys "
                            + "then map to other partitions: kafka-topics --bootstrap-server %s --alter --topic %s "
                            + "--partitions %d)",
                    topic, partitions, spec.partitions(), bootstrapServers, topic, spec.partitions()));
        } else if (partitions > spec.partitions()) {
            problems.add(String.format("topic %s: %d partitions, spec says %d (partitions cannot shrink: recreate "
                    + "the topic or change the spec)", topic, partitions, spec.partitions()));
        }

        int replicas = description.partitions().stream()
                .mapToInt(p -> p.replicas().size())
                .min().orElse(0);
        if (spec.replicationFactor() != TopicSpec.BROKER_DEFAULT && replicas != spec.replicationFactor()) {
            problems.add(String.format("topic %s: replication factor %d, spec says %d (change it with "
                            + "kafka-reassign-partitions --bootstrap-server %s)",
                    topic, replicas, spec.replicationFactor(), bootstrapServers));
        }

        spec.configs().forEach((key, wanted) -> {
            ConfigEntry entry = config.get(key);
            if (entry == null) {
                problems.add(String.format("topic %s: %s is not a config the broker knows, spec says '%s'",
                        topic, key, wanted));
            } else if (!sameValue(entry.value(), wanted)) {
                problems.add(String.format("topic %s: %s is '%s', spec says '%s'", topic, key, entry.value(), wanted));
            }
        });
        return problems;
    }

    /**
     * Config values compare as sets of comma-separated items, so {@code compact,delete} equals
     * {@code delete,compact}; any other value compares as trimmed text.
     */
    static boolean sameValue(String actual, String wanted) {
        if (actual == null) {
            return false;
        }
        return items(actual).equals(items(wanted));
    }

    private static Set<String> items(String value) {
        return Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(HashSet::new));
    }

    /**
     * Waits until the brokers list topics that the controller has just created (ours, or another
     * client's that beat us to it); the metadata reaches the brokers a moment later.
     */
    private void awaitListed(List<String> topics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> unlisted = new HashSet<>(topics);
        while (true) {
            Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(
                            List.copyOf(unlisted), new DescribeTopicsOptions().timeoutMs(timeoutMs()))
                    .topicNameValues();
            described.forEach((topic, future) -> {
                if (awaitUnlessUnknown(future, "describing topic " + topic) != null) {
                    unlisted.remove(topic);
                }
            });
            if (unlisted.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TopicAdminException("topics " + unlisted + " were created, but Kafka at " + bootstrapServers
                        + " did not list them within " + timeout.toSeconds() + " s");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RECHECK_BACKOFF_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicAdminException("interrupted while waiting for new topics on Kafka at "
                        + bootstrapServers, e);
            }
        }
    }

    private static Map<String, TopicSpec> byName(List<TopicSpec> specs) {
        Map<String, TopicSpec> byName = new LinkedHashMap<>();
        for (TopicSpec spec : specs) {
            if (byName.put(spec.name(), spec) != null) {
                throw new IllegalArgumentException("topic " + spec.name() + " is specified twice");
            }
        }
        return byName;
    }

    private <T> T awaitUnlessUnknown(KafkaFuture<T> future, String what) {
        try {
            return await(future, what);
        } catch (KafkaCallException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw new TopicAdminException(what + " on Kafka at " + bootstrapServers + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Waits for an admin future. Timeouts and interruptions become a {@link TopicAdminException};
     * an error the broker returned becomes a {@link KafkaCallException} for the caller to judge.
     */
    private <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeoutMs() + FUTURE_SLACK_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(what, cause);
            }
            throw new KafkaCallException(cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicAdminException("interrupted while " + what + " on Kafka at " + bootstrapServers, e);
        }
    }

    private TopicAdminException unreachable(String what, Throwable cause) {
        String within = timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
        return new TopicAdminException("Kafka at " + bootstrapServers + " did not answer within "
                + within + " while " + what
                + "; check the bootstrap servers, that the cluster is up, and the client security settings", cause);
    }

    private int timeoutMs() {
        return (int) timeout.toMillis();
    }

    /** Why talking to the cluster about its topics failed; the message names the bootstrap servers. */
    public static final class TopicAdminException extends RuntimeException {
        TopicAdminException(String message) {
            super(message);
        }

        TopicAdminException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** An error the broker answered with; internal, so each call site decides what it means. */
    private static final class KafkaCallException extends RuntimeException {
        KafkaCallException(Throwable cause) {
            super(cause);
        }
    }
}
