package io.modelhealth.routing;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.RerouteCommand;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code model.reroute.commands} and answers "which route should this request go to?".
 *
 * <p>{@code model.reroute.commands: route id (String) → reroute.command.v1 (JSON)} is read by one
 * background thread into a {@link RerouteView}; {@link #resolve} reads the view from any thread.
 *
 * <p>How it reads: every partition is assigned and read from the beginning on every start (the topic
 * is compacted, so the beginning holds the current command of every route), with no consumer group
 * and no commits, so every router instance sees every command. {@code isolation.level} is
 * {@code read_committed}: the monitor writes in transactions (exactly-once), and a command from an
 * aborted transaction was never decided. A record that is not a valid command is logged, counted and
 * skipped; nothing a record contains stops the thread. Broker errors are retried with backoff.
 *
 * <p>Before the client has caught up (read up to the end offsets it saw at start), {@link #resolve}
 * returns the requested route by default ({@link Builder#failOpenBeforeCaughtUp}): a router that
 * cannot read its commands behaves as if there were none, it never guesses from half the topic.
 *
 * <pre>{@code
 * RerouteClient client = RerouteClient.builder().bootstrapServers("kafka:9092").build();
 * client.awaitCaughtUp(Duration.ofSeconds(10));
 * Route r = client.resolve("anthropic/claude-fable-5", userId);
 * }</pre>
 */
public final class RerouteClient implements AutoCloseable {

    /** The topic the monitor writes commands to, unless configured otherwise. */
    public static final String DEFAULT_TOPIC = "model.reroute.commands";

    private static final Logger log = LoggerFactory.getLogger(RerouteClient.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SCOPED_RECHECK = Duration.ofSeconds(30);

    private final String topic;
    /** The scoped commands' topic, or null when this client applies route-wide commands only. */
    private final String scopedTopic;
    private boolean scopedAssigned;
    private long scopedCheckedAt = Long.MIN_VALUE;
    private final Clock clock;
    private final Duration pollTimeout;
    private final boolean failOpenBeforeCaughtUp;
    private final Duration catchUpWait;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final RerouteView view = new RerouteView();
    private final List<Consumer<RerouteCommand>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    /** Completes with true once caught up, with false if closed first. */
    private final CompletableFuture<Boolean> caughtUp = new CompletableFuture<>();
    /** Counted down by {@link #close()}: ends backoff waits at once. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean closed;

    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong undeserializable = new AtomicLong();
    private final AtomicLong cleared = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong lag = new AtomicLong(-1);

    private RerouteClient(Builder builder, Map<String, Object> consumerProperties) {
        this.topic = builder.topic;
        this.scopedTopic = builder.scopes ? (builder.scopedTopic != null ? builder.scopedTopic : builder.topic + ".scoped") : null;
        this.clock = builder.clock;
        this.pollTimeout = builder.pollTimeout;
        this.failOpenBeforeCaughtUp = builder.failOpenBeforeCaughtUp;
        this.catchUpWait = builder.catchUpWait;
        // Bytes in, parsed here: a record the serde cannot read must be skipped, and a deserializer
        // inside the consumer would instead fail poll() at that offset again and again.
        this.consumer = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "reroute-client-" + topic);
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) ->
                log.error("Reroute client thread died; resolve() keeps answering from the commands read so far", e));
        thread.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where a request for {@code route} should go now. Never throws for lack of commands: with none
     * in force, or before the client has caught up (fail-open, the default), the answer is
     * {@code route} itself.
     *
     * @param route      the route id the caller wants, {@code provider/model}
     * @param requestKey keeps one caller on one side while a reroute is partial: a user, session or
     *                   conversation id. Null places each request at random (shares hold, stickiness not).
     */
    public Route resolve(String route, String requestKey) {
        return resolve(route, CallScope.NONE, requestKey);
    }

    /**
     * Where a call for {@code route} from {@code scope} (its region and tenant) should go now: the most
     * specific command in force that matches it decides (tenant, then region, then route-wide; see
     * {@link RerouteView#resolve(String, CallScope, String, java.time.Instant)}).
     */
    public Route resolve(String route, CallScope scope, String requestKey) {
        Objects.requireNonNull(route, "route");
        if (!isCaughtUp()) {
            if (failOpenBeforeCaughtUp) {
                return Route.original(route);
            }
            try {
                if (!awaitCaughtUp(catchUpWait)) {
                    return Route.original(route);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Route.original(route);
            }
        }
        return view.resolve(route, scope, requestKey, clock.instant());
    }

    /** True once the client has read the topic up to the end offsets it saw when it started. Stays true. */
    public boolean isCaughtUp() {
        return caughtUp.getNow(false);
    }

    /**
     * Waits until the client has caught up.
     *
     * @return true if caught up; false if {@code timeout} passed or the client was closed first
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        try {
            return caughtUp.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: the catch-up future never fails", e);
        }
    }

    /**
     * Calls {@code listener} on the client's thread with every command applied from now on,
     * including those applied while catching up; not with stale or invalid ones, nor for tombstones
     * (see {@link RerouteView#current} for those). Keep it quick: the next command waits for it.
     * An exception it throws is logged and ignored.
     */
    public void addListener(Consumer<RerouteCommand> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Consumer<RerouteCommand> listener) {
        listeners.remove(listener);
    }

    /** The commands as read so far (read-only use: the client's thread is its only writer). */
    public RerouteView view() {
        return view;
    }

    public String topic() {
        return topic;
    }

    public RerouteStats stats() {
        return new RerouteStats(applied.get(), stale.get(), invalid.get(), undeserializable.get(),
                cleared.get(), expired.get(), view.activeCount(clock.instant()), isCaughtUp(), lag.get());
    }

    /** Stops the thread and closes the consumer. Idempotent; {@link #resolve} keeps answering from the last view. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing.countDown();
        caughtUp.complete(false);
        consumer.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Map<TopicPartition, Long> catchUpTo = null;
        Duration backoff = Duration.ZERO;
        long started = System.nanoTime();
        try {
            while (!closed) {
                try {
                    if (catchUpTo == null) {
                        catchUpTo = assignAllPartitions();
                        if (catchUpTo == null) {
                            backoff = pause(backoff);
                            continue;
                        }
                    }
                    assignScopedIfNew();
                    boolean wasCaughtUp = isCaughtUp();
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        handle(record);
                    }
                    reportExpired(view.sweepExpired(clock.instant()), wasCaughtUp);
                    if (!wasCaughtUp && reached(catchUpTo)) {
                        caughtUp.complete(true);
                        log.info("Reroute client caught up on {} in {} ms: {} commands applied, {} in force",
                                topic, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                                applied.get(), view.activeCount(clock.instant()));
                    }
                    updateLag(catchUpTo);
                    backoff = Duration.ZERO;
                } catch (WakeupException | InterruptException e) {
                    if (!closed) {
                        log.warn("Reroute client thread interrupted; stopping");
                    }
                    return;
                } catch (RuntimeException e) {
                    if (closed) {
                        return;
                    }
                    log.warn("Reroute client cannot read {} ({}); retrying", topic, e.toString());
                    backoff = pause(backoff);
                }
            }
        } finally {
            // Whoever waits for the catch-up stops waiting: it will not come any more.
            caughtUp.complete(false);
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                log.debug("closing the reroute consumer", e);
            }
        }
    }

    /**
     * Counts and warns about reroutes that expired while this client followed the topic. Those read
     * while catching up had expired before it started (they were never in force here): only logged.
     */
    private void reportExpired(List<RerouteCommand> commands, boolean following) {
        for (RerouteCommand command : commands) {
            if (!following) {
                log.debug("Reroute command {} in the topic expired at {}", command.commandId(), command.expiresAt());
                continue;
            }
            expired.incrementAndGet();
            log.warn("Reroute of {} to {} (epoch {}) expired at {} without a RESTORE: is the monitor running? "
                    + "Traffic goes to {} again", command.route(), command.target(), command.epoch(),
                    command.expiresAt(), command.route());
        }
    }

    /**
     * Assigns every partition of the topic, seeks to the beginning and returns the end offsets to
     * catch up to (with read_committed: the last stable offsets), or null if the topic is not there yet.
     */
    private Map<TopicPartition, Long> assignAllPartitions() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic);
        if (partitions == null || partitions.isEmpty()) {
            log.warn("Reroute topic {} does not exist (yet); retrying. Until it does, every request keeps its route", topic);
            return null;
        }
        List<PartitionInfo> all = new ArrayList<>(partitions);
        List<PartitionInfo> scoped = scopedPartitions();
        if (scoped != null) {
            all.addAll(scoped);
            scopedAssigned = true;
        }
        List<TopicPartition> assigned = all.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        Map<TopicPartition, Long> endOffsets = consumer.endOffsets(assigned);
        Map<TopicPartition, Long> end = new LinkedHashMap<>();
        assigned.forEach(partition -> end.put(partition, endOffsets.get(partition)));
        log.info("Reroute client reading {} partition(s) of {} from the beginning, up to offsets {}",
                assigned.size(), topic, end);
        return end;
    }

    /** The scoped topic's partitions, or null when there are none to read (no scoped topic, or not created yet). */
    private List<PartitionInfo> scopedPartitions() {
        if (scopedTopic == null) {
            return null;
        }
        scopedCheckedAt = System.nanoTime();
        List<PartitionInfo> p = consumer.partitionsFor(scopedTopic);
        if (p == null || p.isEmpty()) {
            log.warn("Scoped reroute topic {} does not exist (yet): applying route-wide commands only, looking again every {} s",
                    scopedTopic, SCOPED_RECHECK.toSeconds());
            return null;
        }
        return p;
    }

    /** A scoped topic created after the client started (an upgraded monitor) is picked up, from its beginning. */
    private void assignScopedIfNew() {
        if (scopedTopic == null || scopedAssigned || System.nanoTime() - scopedCheckedAt < SCOPED_RECHECK.toNanos()) {
            return;
        }
        List<PartitionInfo> p = scopedPartitions();
        if (p == null) {
            return;
        }
        List<TopicPartition> added = p.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        List<TopicPartition> now = new ArrayList<>(consumer.assignment());
        now.addAll(added);
        consumer.assign(now);
        consumer.seekToBeginning(added);
        scopedAssigned = true;
        log.info("Reroute client reading {} partition(s) of the scoped topic {} from the beginning", added.size(), scopedTopic);
    }

    private boolean reached(Map<TopicPartition, Long> catchUpTo) {
        for (Map.Entry<TopicPartition, Long> end : catchUpTo.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void updateLag(Map<TopicPartition, Long> partitions) {
        long total = 0;
        for (TopicPartition partition : partitions.keySet()) {
            OptionalLong partitionLag = consumer.currentLag(partition);
            if (partitionLag.isEmpty()) {
                return; // not fetched yet: keep the last known value
            }
            total += partitionLag.getAsLong();
        }
        lag.set(total);
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            if (key == null) {
                invalid.incrementAndGet();
                log.warn("Skipping a tombstone without a key at {}", position(record));
            } else if (view.clear(key)) {
                cleared.incrementAndGet();
                log.info("Reroute of {} cleared by a tombstone at {}", key, position(record));
            }
            return;
        }
        RerouteCommand command;
        try {
            command = ContractSerdes.REROUTE_COMMAND.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            command = null;
            log.warn("Skipping a record that is not a reroute.command.v1 at {}: {}", position(record), e.getMessage());
        }
        if (command == null) {
            undeserializable.incrementAndGet();
            return;
        }
        boolean onScopedTopic = record.topic().equals(scopedTopic);
        if (onScopedTopic != (command.scope() != null)) {
            // The safety property of scoped commands: one on the route-wide topic would move all of a route's
            // traffic in a client that knows only route-wide commands. Never applied, wherever it turns up.
            invalid.incrementAndGet();
            log.warn("Skipping reroute command {} at {}: a {} command on the {} topic {}", command.commandId(), position(record),
                    command.scope() != null ? "scoped" : "route-wide", onScopedTopic ? "scoped" : "route-wide", record.topic());
            return;
        }
        if (key != null && !key.equals(command.key())) {
            // The key is what compaction and tombstones act on; the command itself says which route and scope it is for.
            log.warn("Reroute command {} at {} has key {} but is for {}; applying it to {}",
                    command.commandId(), position(record), key, command.key(), command.key());
        }
        boolean isNew;
        try {
            isNew = view.apply(command);
        } catch (IllegalArgumentException e) {
            invalid.incrementAndGet();
            log.warn("Skipping the record at {}: {}", position(record), e.getMessage());
            return;
        }
        if (!isNew) {
            stale.incrementAndGet();
            log.debug("Dropped stale reroute command {} (last applied epoch {})",
                    command.commandId(), view.lastEpoch(command.key()));
            return;
        }
        applied.incrementAndGet();
        if (isCaughtUp()) {
            log.info("Applied {}", describe(command));
        } else {
            log.debug("Applied {} while catching up", command.commandId());
        }
        for (Consumer<RerouteCommand> listener : listeners) {
            try {
                listener.accept(command);
            } catch (RuntimeException e) {
                log.warn("A reroute listener failed on {}", command.commandId(), e);
            }
        }
    }

    private static String describe(RerouteCommand command) {
        String effect = command.weight() <= 0.0
                ? "reroute ended, all traffic on the route"
                : String.format(Locale.ROOT, "%.1f %% of its traffic to %s (weight %s, probe share %s)",
                        100 * command.targetShare(), command.target(), command.weight(), command.probeShare());
        return command.action() + " " + command.route() + ": " + effect + ", reason " + command.reason()
                + ", epoch " + command.epoch() + ", until " + command.expiresAt();
    }

    private static String position(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    /** Waits before the next attempt (0.1 s doubling to 30 s), returning early on close. */
    private Duration pause(Duration previous) {
        Duration next = previous.isZero() ? Duration.ofMillis(100) : previous.multipliedBy(2);
        if (next.compareTo(MAX_BACKOFF) > 0) {
            next = MAX_BACKOFF;
        }
        try {
            closing.await(next.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
        return next;
    }

    /** Settings for a client; {@link #build()} starts it. */
    public static final class Builder {
        private String bootstrapServers;
        private String topic = DEFAULT_TOPIC;
        private String scopedTopic;
        private boolean scopes = true;
        private final Map<String, Object> consumerProperties = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private Duration pollTimeout = Duration.ofMillis(500);
        private boolean failOpenBeforeCaughtUp = true;
        private Duration catchUpWait = Duration.ofSeconds(5);

        private Builder() {
        }

        /** {@code bootstrap.servers}; may instead be given with {@link #consumerProperties}. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /**
         * The scoped commands' topic (default: the commands topic + {@code .scoped}, as the monitor's
         * {@code topics.scoped-reroutes}). Its commands move only the calls of their scope: see
         * {@link RerouteClient#resolve(String, CallScope, String)}.
         */
        public Builder scopedTopic(String scopedTopic) {
            this.scopedTopic = Objects.requireNonNull(scopedTopic, "scopedTopic");
            return this;
        }

        /** false: read route-wide commands only (as clients before scoped commands did); default true. */
        public Builder scopes(boolean scopes) {
            this.scopes = scopes;
            return this;
        }

        /** The commands topic (default {@value RerouteClient#DEFAULT_TOPIC}). */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /**
         * Any Kafka consumer property, e.g. {@code security.protocol}, {@code sasl.jaas.config},
         * {@code ssl.truststore.location}, {@code client.id}. The client sets {@code isolation.level}
         * (read_committed) and {@code enable.auto.commit} (false) itself, and the deserializers.
         */
        public Builder consumerProperty(String key, Object value) {
            consumerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
            return this;
        }

        /** {@link #consumerProperty} for each entry. */
        public Builder consumerProperties(Map<String, ?> properties) {
            properties.forEach(this::consumerProperty);
            return this;
        }

        /** The clock that decides whether a command has expired (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The longest one poll waits for new records (default 500 ms). New commands arrive at once
         * regardless; this bounds how stale the lag and expiry metrics and logs can be.
         */
        public Builder pollTimeout(Duration pollTimeout) {
            if (pollTimeout.isNegative() || pollTimeout.isZero()) {
                throw new IllegalArgumentException("pollTimeout must be positive: " + pollTimeout);
            }
            this.pollTimeout = pollTimeout;
            return this;
        }

        /**
         * What {@link #resolve} does before the client has caught up. True (the default): answer at
         * once with the requested route, as if there were no commands. False: wait up to
         * {@link #catchUpWait} for the catch-up, then answer from the commands, or with the requested
         * route if it still has not caught up. Use false only where a request sent to a blocked
         * model right after start-up costs more than a request thread blocked for seconds.
         */
        public Builder failOpenBeforeCaughtUp(boolean failOpen) {
            this.failOpenBeforeCaughtUp = failOpen;
            return this;
        }

        /** How long {@link #resolve} waits for the catch-up when not failing open (default 5 s). */
        public Builder catchUpWait(Duration catchUpWait) {
            if (catchUpWait.isNegative()) {
                throw new IllegalArgumentException("catchUpWait must not be negative: " + catchUpWait);
            }
            this.catchUpWait = catchUpWait;
            return this;
        }

        /**
         * Creates the consumer and starts reading in a background thread.
         *
         * @throws IllegalArgumentException if no bootstrap servers are set, or the properties ask for
         *         read_uncommitted (which would apply commands of aborted transactions)
         * @throws org.apache.kafka.common.KafkaException if the consumer properties are invalid
         */
        public RerouteClient build() {
            Map<String, Object> props = new HashMap<>();
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, "model-health-routing-client-" + INSTANCES.incrementAndGet());
            // After a retention gap (a misconfigured delete policy), read what is there rather than fail.
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.putAll(consumerProperties);
            if (bootstrapServers != null) {
                props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            }
            if (props.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
                throw new IllegalArgumentException("bootstrap servers are required: bootstrapServers(\"host:9092\")");
            }
            Object isolation = props.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
            String committed = "read_committed";
            if (isolation != null && !committed.equalsIgnoreCase(isolation.toString())) {
                throw new IllegalArgumentException(ConsumerConfig.ISOLATION_LEVEL_CONFIG + "=" + isolation
                        + " is not supported: the monitor writes commands in transactions, and only "
                        + committed + " keeps commands of aborted transactions out");
            }
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed);
            // No consumer group work: partitions are assigned by hand and re-read from the start on every start.
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            return new RerouteClient(this, props);
        }
    }
}
