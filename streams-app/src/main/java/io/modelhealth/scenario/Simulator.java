package io.modelhealth.scenario;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays a {@link Scenario} into a Kafka topic in real time (the engine of {@code simulate} and of
 * {@code demo}'s load): by default key = route id (UTF-8), value = {@code llm.call.v1} JSON, event
 * time = the wall clock when the call is produced (also the record's Kafka timestamp), so the monitor
 * sees live traffic; a {@link CallSink} in the settings makes other records of the same calls (OTLP
 * span batches: {@code otlp.SpanBatchSink}). Paced by a token bucket at {@code rate} calls/s: the loop sleeps until the
 * next token is due (≤ 10 ms at a time; this is a load generator, not a test). A stall of up
 * to a second is made up; when the producer cannot keep up for longer, the rate drops instead
 * of bursting later.
 *
 * <p>Writes to the given {@link PrintStream}: each timeline phase as it starts, a progress line
 * every {@code progressInterval} ("sent 12,345 calls (250/s), phase: two anthropic models
 * withdrawn") and a summary. Optionally injects garbage records ({@link GarbageRecord}) spread
 * over the run, to show the dead-letter path.
 *
 * <p>{@link #run} blocks the calling thread; {@link #stop()} (any thread) ends the run early,
 * {@link #close()} also waits for the run to end and closes the producer. One run at a time.
 */
public final class Simulator implements AutoCloseable {

    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(5);
    private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /**
     * The bucket holds at most this much time's worth of tokens: a short stall (the first send
     * waiting for metadata, a GC pause) is made up, a long one (the producer cannot keep up) is not.
     */
    private static final double BURST_SECONDS = 1.0;

    /**
     * What to play.
     *
     * @param scenario         the story
     * @param topic            the input topic, normally {@code llm.calls}
     * @param ratePerSecond    calls per second over all routes
     * @param duration         how long to play (from the scenario's t = 0)
     * @param seed             decides the random choices and the event ids {@code sim-<seed>-<n>}; a seed
     *                         replayed into the same topic within the dedup window yields duplicates (dropped)
     * @param garbageRecords   broken records to inject, spread evenly over the run
     * @param progressInterval how often to print a progress line
     * @param sink             how calls become records: {@code llm.call.v1} JSON per call, or OTLP span batches
     */
    public record Settings(
            Scenario scenario,
            String topic,
            double ratePerSecond,
            Duration duration,
            long seed,
            int garbageRecords,
            Duration progressInterval,
            CallSink sink) {

        public Settings {
            Objects.requireNonNull(scenario, "scenario");
            Objects.requireNonNull(sink, "sink");
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic is required");
            }
            if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
                throw new IllegalArgumentException("rate must be > 0 calls/s, got " + ratePerSecond);
            }
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive, got " + duration);
            }
            if (garbageRecords < 0) {
                throw new IllegalArgumentException("garbage records must be >= 0, got " + garbageRecords);
            }
            if (progressInterval == null || progressInterval.isNegative() || progressInterval.isZero()) {
                throw new IllegalArgumentException("progress interval must be positive, got " + progressInterval);
            }
        }

        /**
         * The scenario's default duration, a seed from the clock (so runs never share event ids), no garbage,
         * progress every 5 s, {@code llm.call.v1} records ({@link CallSink#CALL_RECORDS}).
         */
        public static Settings of(Scenario scenario, String topic, double ratePerSecond) {
            return new Settings(scenario, topic, ratePerSecond, scenario.defaultDuration(), System.currentTimeMillis(),
                    0, DEFAULT_PROGRESS_INTERVAL, CallSink.CALL_RECORDS);
        }

        public Settings withDuration(Duration duration) {
            return new Settings(scenario, topic, ratePerSecond, duration, seed, garbageRecords, progressInterval, sink);
        }

        public Settings withSeed(long seed) {
            return new Settings(scenario, topic, ratePerSecond, duration, seed, garbageRecords, progressInterval, sink);
        }

        public Settings withGarbageRecords(int garbageRecords) {
            return new Settings(scenario, topic, ratePerSecond, duration, seed, garbageRecords, progressInterval, sink);
        }

        public Settings withProgressInterval(Duration progressInterval) {
            return new Settings(scenario, topic, ratePerSecond, duration, seed, garbageRecords, progressInterval, sink);
        }

        /** The calls as {@code sink} makes records of them (e.g. OTLP span batches), into {@code topic}. */
        public Settings withSink(CallSink sink, String topic) {
            return new Settings(scenario, topic, ratePerSecond, duration, seed, garbageRecords, progressInterval, sink);
        }
    }

    /**
     * What a run did.
     *
     * @param calls          calls handed to the producer
     * @param garbageRecords garbage records handed to the producer
     * @param failed         records the broker did not acknowledge (known after the final flush)
     * @param elapsed        wall-clock run time
     * @param stopped        true if {@link #stop()} / {@link #close()} ended the run before its duration
     */
    public record Result(long calls, long garbageRecords, long failed, Duration elapsed, boolean stopped) {
        public double callsPerSecond() {
            return elapsed.isZero() ? 0 : calls / (elapsed.toNanos() / 1e9);
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final PrintStream out;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock runLock = new ReentrantLock();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicBoolean failureReported = new AtomicBoolean();

    /**
     * @param producerProps any Kafka producer properties: {@code bootstrap.servers}, security settings
     *                      (passed through as given), and overrides of the defaults of {@link #producerConfig}
     * @param out           where progress goes; {@code new PrintStream(OutputStream.nullOutputStream())} for none
     */
    public Simulator(Map<String, Object> producerProps, PrintStream out) {
        this(new KafkaProducer<>(producerConfig(producerProps), new ByteArraySerializer(), new ByteArraySerializer()),
                out, Clock.systemUTC());
    }

    /** For tests: any producer (e.g. {@code MockProducer}) and clock (event times). */
    Simulator(Producer<byte[], byte[]> producer, PrintStream out, Clock clock) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The producer configuration used: {@code acks=all} (nothing lost on a leader change), 5 ms
     * linger and lz4 compression (batches of similar JSON compress well), idempotence on, client id
     * {@code model-health-simulator} — then {@code props} on top, which win.
     */
    public static Map<String, Object> producerConfig(Map<String, Object> props) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "model-health-simulator");
        config.putAll(props);
        // The serializers are given as instances; class names in props would be ignored anyway.
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return config;
    }

    /**
     * Plays the scenario until its duration has passed or the run is stopped, then flushes.
     * Blocks the calling thread. If the thread is interrupted the run stops (and the interrupt
     * flag stays set).
     *
     * @throws IllegalStateException if the simulator is closed or already running
     */
    public Result run(Settings settings) {
        if (!runLock.tryLock()) {
            throw new IllegalStateException("the simulator is already running");
        }
        try {
            if (closed.get()) {
                throw new IllegalStateException("the simulator is closed");
            }
            running.set(true);
            return play(settings);
        } finally {
            running.set(false);
            runLock.unlock();
        }
    }

    private Result play(Settings s) {
        Scenario scenario = s.scenario();
        double rate = s.ratePerSecond();
        CallGenerator generator = new CallGenerator(scenario, s.seed(), clock.instant());
        out.printf(Locale.ROOT, "simulating scenario %s into %s at %,.0f calls/s for %ds (seed %d%s)%n",
                scenario.name(), s.topic(), rate, s.duration().toSeconds(), s.seed(),
                s.sink() == CallSink.CALL_RECORDS ? "" : ", as " + s.sink());

        long durationNanos = s.duration().toNanos();
        long progressNanos = s.progressInterval().toNanos();
        double burst = Math.max(1.0, rate * BURST_SECONDS);
        long t0 = System.nanoTime();
        long last = t0;
        double tokens = 1.0; // the first call goes at once
        long sent = 0;
        long garbage = 0;
        long nextProgress = t0 + progressNanos;
        long sentAtLastProgress = 0;
        long lastProgress = t0;
        Phase phase = null;
        boolean stopped = false;
        CallSink sink = s.sink();
        List<GeneratedCall> batch = new ArrayList<>();
        long lingerNanos = sink.linger().toNanos();
        long batchDue = Long.MAX_VALUE;

        while (true) {
            if (!running.get() || closed.get() || Thread.currentThread().isInterrupted()) {
                stopped = true;
                break;
            }
            long now = System.nanoTime();
            long elapsed = now - t0;
            if (elapsed >= durationNanos) {
                break;
            }
            Phase current = scenario.phaseAt(Duration.ofNanos(elapsed));
            if (current != phase) {
                phase = current;
                out.println("phase " + current);
            }

            tokens = Math.min(burst, tokens + (now - last) * rate / 1e9);
            last = now;
            while (tokens >= 1.0) {
                if (batch.isEmpty()) {
                    batchDue = now + lingerNanos;
                }
                batch.add(generator.next(clock.instant()));
                if (batch.size() >= sink.batchSize()) {
                    send(s, batch);
                }
                sent++;
                tokens -= 1.0;
            }
            if (!batch.isEmpty() && now >= batchDue) {
                send(s, batch);
            }
            while (garbage < s.garbageRecords() && elapsed >= garbageDue(garbage, s.garbageRecords(), durationNanos)) {
                sendGarbage(s, scenario, garbage);
                garbage++;
            }
            if (now >= nextProgress) {
                double secs = (now - lastProgress) / 1e9;
                out.printf(Locale.ROOT, "sent %,d calls (%,.0f/s), phase: %s%n", sent, (sent - sentAtLastProgress) / secs,
                        scenario.conditionsAt(generator.elapsedAt(clock.instant())));
                sentAtLastProgress = sent;
                lastProgress = now;
                nextProgress += progressNanos;
            }
            long untilNextToken = (long) ((1.0 - tokens) * 1e9 / rate);
            LockSupport.parkNanos(Math.max(50_000L, Math.min(MAX_SLEEP_NANOS, untilNextToken)));
        }
        // flush() would throw on an interrupted thread; finish the run's records first, then restore the flag.
        boolean interrupted = Thread.interrupted();
        try {
            if (!batch.isEmpty()) {
                send(s, batch);
            }
            producer.flush();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        Result result = new Result(sent, garbage, failed.get(), took, stopped);
        out.printf(Locale.ROOT, "%s: sent %,d calls in %.1fs (%,.0f/s), %d garbage records, %d failed%n",
                stopped ? "stopped" : "done", sent, took.toNanos() / 1e9, result.callsPerSecond(), garbage, result.failed());
        return result;
    }

    /** The i-th of n garbage records is due at (i + 1) / (n + 1) of the run. */
    private static long garbageDue(long i, int n, long durationNanos) {
        return (long) (durationNanos * ((i + 1) / (double) (n + 1)));
    }

    /** Sends the batch's calls as the sink's records and empties it. */
    private void send(Settings s, List<GeneratedCall> batch) {
        for (ProducerRecord<byte[], byte[]> r : s.sink().records(s.topic(), List.copyOf(batch))) {
            producer.send(r, onFailure());
        }
        batch.clear();
    }

    private void sendGarbage(Settings s, Scenario scenario, long i) {
        String route = scenario.routeProfiles().get((int) (i % scenario.routeProfiles().size())).route();
        Instant now = clock.instant();
        GarbageRecord kind = GarbageRecord.nth(i);
        byte[] value = kind.value("garbage-" + s.seed() + "-" + (i + 1), route, now);
        producer.send(new ProducerRecord<>(s.topic(), null, now.toEpochMilli(), route.getBytes(StandardCharsets.UTF_8), value),
                onFailure());
        out.println("injected garbage record " + (i + 1) + "/" + s.garbageRecords() + " (" + kind.name().toLowerCase(Locale.ROOT)
                + ") on " + route);
    }

    private Callback onFailure() {
        return (metadata, exception) -> {
            if (exception != null) {
                failed.incrementAndGet();
                if (failureReported.compareAndSet(false, true)) {
                    out.println("send failed (further failures are counted, not printed): " + exception);
                }
            }
        };
    }

    /** Ends the current run early (it still flushes). Safe from any thread; does nothing when idle. */
    public void stop() {
        running.set(false);
    }

    public boolean isRunning() {
        return running.get();
    }

    /** Stops a run, waits up to 30 s for it to flush, and closes the producer. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stop();
        boolean locked = false;
        try {
            locked = runLock.tryLock(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            producer.close(Duration.ofSeconds(10));
        } finally {
            if (locked) {
                runLock.unlock();
            }
        }
    }
}
