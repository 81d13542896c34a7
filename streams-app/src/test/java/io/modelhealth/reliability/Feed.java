package io.modelhealth.reliability;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces a pre-generated list of records at a steady rate, from a scheduler thread, so that a
 * test can break something while the input is still flowing. The producer is idempotent with
 * {@code acks=all} and the default delivery timeout (2 min): records sent while the broker is down
 * wait in its buffer and arrive, in order, once it is back.
 */
final class Feed implements AutoCloseable {

    private static final long TICK_MS = 20;

    private final List<ProducerRecord<byte[], byte[]>> records;
    private final double perSecond;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService scheduler;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final CountDownLatch allSent = new CountDownLatch(1);
    private long startNanos;

    private Feed(Map<String, Object> clientProperties, List<ProducerRecord<byte[], byte[]>> records, double perSecond) {
        this.records = List.copyOf(records);
        this.perSecond = perSecond;
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "test-feed");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts sending {@code records} at {@code perSecond}; returns at once. */
    static Feed start(Map<String, Object> clientProperties, List<ProducerRecord<byte[], byte[]>> records, double perSecond) {
        Feed feed = new Feed(clientProperties, records, perSecond);
        feed.startNanos = System.nanoTime();
        feed.scheduler.scheduleAtFixedRate(feed::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
        return feed;
    }

    /** Sends everything at once and waits until the broker has it all. */
    static void sendAll(Map<String, Object> clientProperties, List<ProducerRecord<byte[], byte[]>> records) {
        try (Feed feed = new Feed(clientProperties, records, Double.MAX_VALUE)) {
            records.forEach(feed::send);
            feed.producer.flush();
            feed.check();
        }
    }

    private void tick() {
        double elapsedS = (System.nanoTime() - startNanos) / 1e9;
        int due = (int) Math.min(records.size(), Math.ceil(elapsedS * perSecond));
        while (sent.get() < due) {
            send(records.get(sent.get()));
        }
        if (sent.get() == records.size() && allSent.getCount() > 0) {
            allSent.countDown();
            scheduler.shutdown(); // no further ticks; the producer stays open to deliver what it holds
        }
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        sent.incrementAndGet();
        producer.send(record, (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acked.incrementAndGet();
            }
        });
    }

    /** Records handed to the producer so far. */
    int sent() {
        return sent.get();
    }

    /** Records the broker has acknowledged so far. */
    int acknowledged() {
        return acked.get();
    }

    int total() {
        return records.size();
    }

    boolean allSent() {
        return allSent.getCount() == 0;
    }

    /** Throws if the producer failed to deliver a record (the test would then compare the wrong input). */
    void check() {
        Exception e = failure.get();
        if (e != null) {
            throw new AssertionError("the test producer failed to deliver a record", e);
        }
    }

    /** Waits until every record is sent and acknowledged. */
    void awaitDelivered(Duration timeout) throws InterruptedException {
        if (!allSent.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the feed sent only " + sent() + " of " + total() + " records in " + timeout);
        }
        producer.flush();
        check();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close(Duration.ofSeconds(10));
    }
}
