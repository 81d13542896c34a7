package io.modelhealth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.topology.AppTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Detection latency, end to end through a real broker: the app (child JVM, exactly-once v2, default
 * config) is caught up under a steady load (default 2,000 calls/s over 50 routes, 98 % success);
 * per trial a fresh route starts answering {@code 403 model_not_available} to every tenant. Latency =
 * from the moment the first failing call is handed to the producer to the moment a
 * {@code read_committed} consumer of the reroute topic receives the route's REROUTE. Both clocks are
 * this JVM's {@code System.nanoTime}.
 */
public final class DetectionBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster cluster;
    private final Options o;
    private final PrintStream log;

    public DetectionBench(Cluster cluster, Options o, PrintStream log) {
        this.cluster = cluster;
        this.o = o;
        this.log = log;
    }

    public List<Figure> run() throws Exception {
        int trials = o.getInt("trials", 20);
        int routes = Math.max(o.getInt("detection-routes", 50), trials + 10);
        double rate = o.getLong("rate", 2000);
        String run = "det" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, String> topicFlags = ThroughputBench.topicFlags(run + ".");
        AppConfig cfg = ConfigLoader.load(null, Map.of(), topicFlags);
        try (TopicAdmin admin = TopicAdmin.connect(cluster.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(cfg.topics()));
        }
        Calls calls = new Calls("det", routes, 3);
        AtomicLongArray firstFail = new AtomicLongArray(routes);
        AtomicLongArray rerouted = new AtomicLongArray(routes);
        boolean[] failing = new boolean[routes];
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();

        List<String> args = new ArrayList<>(List.of("kafka.bootstrap.servers=" + cluster.bootstrap(),
                "kafka.application.id=" + run, "http.port=0", "bench.routes=" + routes, "bench.model-prefix=det"));
        topicFlags.forEach((k, v) -> args.add(k + "=" + v));
        for (String s : o.all("streams")) {
            args.add("streams." + s);
        }
        List<Long> latencies = new ArrayList<>();
        try (ChildJvm app = ChildJvm.start(o.all("app-jvm-arg"), AppProcess.class.getName(), args, o.has("verbose") ? log : null, "app");
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps())) {
            if (app.await(l -> l.contains(AppProcess.RUNNING), 120_000) == null) {
                throw new IllegalStateException("the app did not start");
            }
            List<TopicPartition> cmdParts = cluster.partitions(cfg.topics().reroutes());
            consumer.assign(cmdParts);
            consumer.seekToEnd(cmdParts);
            cmdParts.forEach(consumer::position);
            Thread watcher = new Thread(() -> watch(consumer, calls, rerouted, stop), "reroute-watcher");
            Thread load = new Thread(() -> load(producer, cfg.topics().calls(), calls, rate, failing, firstFail, stop, sent), "load");
            watcher.start();
            load.start();

            // Steady state: buckets closing, every route evaluated, and the app caught up (lag under 0.5 s of load).
            List<TopicPartition> inParts = cluster.partitions(cfg.topics().calls());
            long warmUntil = System.nanoTime() + Duration.ofSeconds(o.getLong("warmup", 15)).toNanos();
            while (true) {
                Thread.sleep(500);
                long lag = cluster.endOffsets(inParts).values().stream().mapToLong(Long::longValue).sum()
                        - cluster.committed(run, inParts);
                if (System.nanoTime() > warmUntil && lag < rate / 2) {
                    log.printf("  app caught up (lag %d records) under %.0f calls/s over %d routes; %d trials%n", lag, rate, routes, trials);
                    break;
                }
            }
            SplittableRandom pause = new SplittableRandom(11);
            long maxLag = 0;
            for (int t = 0; t < trials; t++) {
                int route = t;
                synchronized (failing) {
                    failing[route] = true;
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (rerouted.get(route) == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                if (rerouted.get(route) == 0) {
                    log.printf("  trial %d (%s): no REROUTE within 15 s%n", t, calls.route(route));
                    latencies.add(Long.MAX_VALUE);
                } else {
                    long ms = (rerouted.get(route) - firstFail.get(route)) / 1_000_000;
                    latencies.add(ms);
                    if (o.has("verbose")) {
                        log.printf("  trial %d (%s): %d ms%n", t, calls.route(route), ms);
                    }
                }
                long lag = cluster.endOffsets(inParts).values().stream().mapToLong(Long::longValue).sum()
                        - cluster.committed(run, inParts);
                maxLag = Math.max(maxLag, lag);
                // Out of step with the commit interval, so trials sample every phase of it.
                Thread.sleep(300 + pause.nextInt(900));
            }
            // The app's cost under the steady load, measured after the trials (the app has run longest by
            // then, so less of it is the JIT compiler's): CPU over a window ÷ calls sent in it.
            long window = o.getLong("cpu-window", 30);
            double cpu0 = ThroughputBench.cpuSeconds(app.process().pid());
            long sent0 = sent.get();
            long wall0 = System.nanoTime();
            Thread.sleep(window * 1000);
            double cpu1 = ThroughputBench.cpuSeconds(app.process().pid());
            double cpuPerCall = (cpu1 - cpu0) * 1e6 / (sent.get() - sent0);
            double cores = (cpu1 - cpu0) / ((System.nanoTime() - wall0) / 1e9);
            double appAge = (System.nanoTime() - app.startedNanos()) / 1e9;
            stop.set(true);
            load.join();
            watcher.join();
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            long missed = sorted.stream().filter(v -> v == Long.MAX_VALUE).count();
            log.printf("  latencies (ms): %s%n", sorted);
            String how = trials + " trials; steady " + (long) rate + " calls/s over " + routes
                    + " routes, app caught up; a fresh route switches to 403 model_not_available (tenants alternating); "
                    + "time from handing its first failing call to the producer to a read_committed consumer receiving its REROUTE";
            List<Figure> f = new ArrayList<>();
            double p50 = pct(sorted, 0.50);
            double p95 = pct(sorted, 0.95);
            double p99 = pct(sorted, 0.99);
            f.add(Figure.info("detection.p50", p50, "ms", how));
            f.add(Figure.info("detection.p95", p95, "ms", "as detection.p50"));
            f.add(new Figure("detection.p99", p99, "ms", "≤ 1000 ms", p99 <= 1000 && missed == 0, "as detection.p50 (nearest rank)"));
            f.add(Figure.info("detection.app_cpu_per_call_steady", cpuPerCall, "µs",
                    "app JVM CPU time (all threads) over " + window + " s of steady load after the trials ÷ calls sent meanwhile, at "
                            + (long) rate + " calls/s (app JVM " + Math.round(appAge) + " s old at the end: JIT compilation may still add)"));
            f.add(Figure.info("detection.app_cores_steady", cores, "cores", "as detection.app_cpu_per_call_steady: CPU time ÷ wall time"));
            f.add(Figure.info("detection.max_lag_during_trials", maxLag, "records", "app consumer lag on the calls topic, sampled after each trial"));
            return f;
        }
    }

    private static double pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.size());
        long v = sorted.get(Math.max(0, rank - 1));
        return v == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : v;
    }

    private void load(KafkaProducer<byte[], byte[]> producer, String topic, Calls calls, double rate, boolean[] failing,
                      AtomicLongArray firstFail, AtomicBoolean stop, AtomicLong sent) {
        SplittableRandom r = new SplittableRandom(5);
        int[] tenant = new int[calls.routes()];
        long periodNs = 5_000_000; // a batch every 5 ms
        double perBatch = rate * periodNs / 1e9;
        double carry = 0;
        long next = System.nanoTime();
        while (!stop.get()) {
            carry += perBatch;
            int k = (int) carry;
            carry -= k;
            for (int i = 0; i < k; i++) {
                int route = r.nextInt(calls.routes());
                boolean fail;
                synchronized (failing) {
                    fail = failing[route];
                }
                long now = System.currentTimeMillis();
                byte[] v = fail ? calls.withdrawn(route, now, tenant[route]++) : calls.normal(route, now);
                if (fail && firstFail.get(route) == 0) {
                    firstFail.set(route, System.nanoTime());
                }
                producer.send(new ProducerRecord<>(topic, null, now, calls.key(route), v));
                sent.incrementAndGet();
            }
            next += periodNs;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
            }
        }
    }

    private void watch(KafkaConsumer<byte[], byte[]> consumer, Calls calls, AtomicLongArray rerouted, AtomicBoolean stop) {
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < calls.routes(); i++) {
            index.put(calls.route(i), i);
        }
        while (!stop.get()) {
            for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(5))) {
                long at = System.nanoTime();
                try {
                    JsonNode n = JSON.readTree(rec.value());
                    Integer i = index.get(n.path("route").asText());
                    if (i != null && "REROUTE".equals(n.path("action").asText()) && rerouted.get(i) == 0) {
                        rerouted.set(i, at);
                    }
                } catch (Exception ignored) {
                    // not a command
                }
            }
        }
    }

    private Properties producerProps() {
        Properties p = new Properties();
        p.put("bootstrap.servers", cluster.bootstrap());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("linger.ms", "1");
        return p;
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.put("bootstrap.servers", cluster.bootstrap());
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.put("fetch.max.wait.ms", "10");
        return p;
    }
}
