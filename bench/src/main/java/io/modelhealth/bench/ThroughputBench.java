package io.modelhealth.bench;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.topology.AppTopics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Throughput: how fast the real app drains a backlog of {@code llm.call.v1} records, against how fast
 * Kafka's own consumer ({@code ConsumerPerformance}) fetches the same topic from the same broker.
 *
 * <ol>
 *   <li>Pre-load N records (~230 B, R routes, keyed by route id, event times spread at 10k calls/s) into a
 *       fresh calls topic with the app's partition count (6).</li>
 *   <li>{@code org.apache.kafka.tools.ConsumerPerformance} in a child JVM reads all N: its
 *       {@code fetch.nMsg.sec} (group join excluded) is the physical limit.</li>
 *   <li>{@link MinimalStreamsJob}, the Kafka Streams job a user writes in an afternoon (Jackson parse, calls
 *       and errors per route in 10 s windows, exactly-once v2), in a child JVM, drained and measured as the
 *       app is (next item): the yardstick for what the app's own work costs.</li>
 *   <li>The app ({@link AppProcess}: {@code ModelHealthApp}, exactly-once v2, the app's defaults) in a
 *       child JVM ({@code --instances N}: N JVMs in one group; {@code --streams num.stream.threads=T}: T
 *       stream threads each) starts from the beginning; the bench polls the group's committed offsets
 *       ({@code Admin.listConsumerGroupOffsets}) every 100 ms until they reach the end offsets. App rate =
 *       records committed between the first commit and the last ÷ the time between them (start-up and
 *       group join excluded, as for the consumer); CPU per record = the JVMs' user+sys time over the same
 *       interval ÷ those records.</li>
 *   <li>With {@code --otlp}: the same number of calls as OTLP spans ({@link OtlpCalls}, {@code otlp_proto},
 *       {@code --spans-per-request} per record) drained by an app with {@code otlp.enabled}: spans/s beside calls/s.</li>
 * </ol>
 */
public final class ThroughputBench {

    private final Cluster cluster;
    private final Options o;
    private final PrintStream log;

    public ThroughputBench(Cluster cluster, Options o, PrintStream log) {
        this.cluster = cluster;
        this.o = o;
        this.log = log;
    }

    public List<Figure> run() throws Exception {
        long n = o.getLong("records", 2_000_000);
        int routes = o.getInt("routes", 200);
        String run = "tp" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, String> topicFlags = topicFlags(run + ".");
        AppConfig cfg = ConfigLoader.load(null, Map.of(), topicFlags);
        try (TopicAdmin admin = TopicAdmin.connect(cluster.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(cfg.topics()));
        }
        String topic = cfg.topics().calls();
        List<Figure> figures = new ArrayList<>();

        log.printf("  pre-loading %,d records over %d routes into %s ...%n", n, routes, topic);
        long t0 = System.nanoTime();
        long bytes = preload(topic, n, routes);
        double loadS = (System.nanoTime() - t0) / 1e9;
        log.printf("  pre-loaded %,d records (%.0f B avg) in %.1f s (%,.0f rec/s)%n", n, (double) bytes / n, loadS, n / loadS);
        figures.add(Figure.info("throughput.record_bytes", (double) bytes / n, "B", "mean llm.call.v1 value size of the pre-loaded records"));

        // ---- the physical limit: Kafka's own consumer benchmark
        n = cluster.endOffsets(cluster.partitions(topic)).values().stream().mapToLong(Long::longValue).sum();
        // --timeout ends the run if records stop coming; --num-records is the exact count, so it never waits for more.
        List<String> cpArgs = List.of("--bootstrap-server", cluster.bootstrap(), "--topic", topic, "--num-records", Long.toString(n),
                "--group", run + "-consumer-perf", "--timeout", "10000");
        log.println("  ConsumerPerformance " + String.join(" ", cpArgs));
        double consumerRate;
        try (ChildJvm cp = ChildJvm.start(List.of(), "org.apache.kafka.tools.ConsumerPerformance", cpArgs, null, "consumer-perf")) {
            ChildJvm.Line line = cp.await(l -> l.matches("^\\d{4}-.*,.*"), 600_000);
            if (line == null) {
                throw new IllegalStateException("ConsumerPerformance printed no result");
            }
            log.println("    " + line.text());
            String[] f = line.text().split(",\\s*");
            // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
            // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
            consumerRate = Double.parseDouble(f[9]);
            figures.add(Figure.info("throughput.consumer_perf", consumerRate, "rec/s",
                    "ConsumerPerformance (kafka-tools 4.4.0) fetch.nMsg.sec over the " + String.format("%,d", n)
                            + " records, child JVM, same broker (group join excluded)"));
        }

        // ---- what a user's own Kafka Streams job does with the same topic
        Drain job = minimalJob(run, topic, figures);

        // ---- the app
        String dedup = o.get("dedup-window", null);
        AppRun app = runApp(run, topicFlags, topic, n, routes, dedup, figures, "");
        double ratio = app.rate / consumerRate;
        figures.add(new Figure("throughput.ratio", ratio, "×", "≥ 0.25", ratio >= 0.25,
                "app rate ÷ ConsumerPerformance rate, measured in this one run"));
        double vsJob = app.rate / job.rate;
        figures.add(new Figure("throughput.ratio_minimal_job", vsJob, "×", "≥ 1.0", vsJob >= 1.0,
                "app rate ÷ minimal Kafka Streams job rate, measured in this one run"));
        if (o.has("compare-dedup")) {
            AppRun noDedup = runApp(run + "n", topicFlags, topic, n, routes, "0", figures, ".dedup_off");
            figures.add(Figure.info("throughput.ratio.dedup_off", noDedup.rate / consumerRate, "×",
                    "as throughput.ratio, with telemetry.dedup-window 0 (duplicates not dropped)"));
        }
        if (o.has("otlp")) {
            otlp(run + "o", n, routes, app.rate, figures);
        }
        return figures;
    }

    /**
     * The same number of calls as OTLP spans: {@code otlp_proto} requests of {@code --spans-per-request}
     * (default 50) GenAI spans, unkeyed on a 6-partition OTLP topic, drained by an app with
     * {@code otlp.enabled} (and an empty {@code llm.calls}). Rate in spans/s, beside the llm.call.v1 rate; the
     * drain ends when the route tasks have also committed {@code spans-by-route}, the hop every span takes
     * (the llm.call.v1 records, keyed by route, skip theirs).
     */
    private void otlp(String run, long n, int routes, double callRate, List<Figure> figures) throws Exception {
        int perRequest = o.getInt("spans-per-request", 50);
        Map<String, String> flags = topicFlags(run + ".");
        String topic = run + ".otlp_spans";
        flags.put("otlp.enabled", "true");
        flags.put("otlp.topic", topic);
        flags.put("otlp.encoding", "otlp_proto");
        AppConfig cfg = ConfigLoader.load(null, Map.of(), flags);
        try (TopicAdmin admin = TopicAdmin.connect(cluster.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(cfg));
        }
        log.printf("  pre-loading %,d calls as OTLP spans, %d per request, into %s ...%n", n, perRequest, topic);
        long bytes = preloadSpans(topic, n, routes, perRequest);
        long requests = cluster.endOffsets(cluster.partitions(topic)).values().stream().mapToLong(Long::longValue).sum();
        figures.add(Figure.info("throughput.otlp_record_bytes", (double) bytes / requests, "B",
                "mean otlp_proto ExportTraceServiceRequest size (" + perRequest + " spans)"));
        AppRun spans = runApp(run, flags, topic, requests, routes, null, figures, ".otlp", perRequest, "spans/s",
                run + "-spans-by-route-repartition");
        figures.add(Figure.info("throughput.otlp_vs_llm_call", spans.rate / callRate, "×",
                "OTLP spans/s ÷ llm.call.v1 calls/s, both measured in this run"));
    }

    private long preloadSpans(String topic, long n, int routes, int perRequest) throws Exception {
        Calls calls = new Calls("tp", routes, 42);
        OtlpCalls otlp = new OtlpCalls(calls, 43);
        SplittableRandom r = new SplittableRandom(7);
        double perMs = 10.0; // as preload: event time advances at 10k calls/s
        long start = System.currentTimeMillis() - (long) (n / perMs) - 120_000;
        int[] route = new int[perRequest];
        long[] end = new long[perRequest];
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(bulkProducer())) {
            for (long i = 0; i < n; i += perRequest) {
                int k = (int) Math.min(perRequest, n - i);
                for (int j = 0; j < k; j++) {
                    route[j] = r.nextInt(routes);
                    end[j] = start + (long) ((i + j) / perMs);
                }
                byte[] v = otlp.request(route, end, k);
                bytes += v.length;
                producer.send(new ProducerRecord<>(topic, null, end[k - 1], null, v));
            }
            producer.flush();
        }
        return bytes;
    }

    private record AppRun(double rate) {
    }

    private AppRun runApp(String appId, Map<String, String> topicFlags, String topic, long n, int routes, String dedup,
                          List<Figure> figures, String suffix) throws Exception {
        return runApp(appId, topicFlags, topic, n, routes, dedup, figures, suffix, 1, "rec/s", null);
    }

    /**
     * The app (with {@code --instances N}, N child JVMs in one group) from the beginning of {@code topic}.
     *
     * @param perRecord calls per input record (OTLP: spans per request), so the rate is in calls (spans)
     * @param hop       a repartition topic every call crosses after the input (OTLP: spans-by-route), or null;
     *                  the app has caught up only when the route tasks have committed it to its end as well
     */
    private AppRun runApp(String appId, Map<String, String> topicFlags, String topic, long n, int routes, String dedup,
                          List<Figure> figures, String suffix, int perRecord, String unit, String hop) throws Exception {
        List<String> args = new ArrayList<>();
        args.add("kafka.bootstrap.servers=" + cluster.bootstrap());
        args.add("kafka.application.id=" + appId);
        args.add("http.port=0");
        args.add("bench.routes=" + routes);
        args.add("bench.model-prefix=tp");
        topicFlags.forEach((k, v) -> args.add(k + "=" + v));
        if (dedup != null) {
            args.add("telemetry.dedup-window=" + dedup);
        }
        for (String s : o.all("streams")) {
            args.add("streams." + s);
        }
        int instances = o.getInt("instances", 1);
        IntFunction<List<String>> jvm = i -> {
            List<String> a = new ArrayList<>(o.all("app-jvm-arg"));
            if (o.has("profile")) {
                String f = o.get("profile", "app.jfr").equals("true") ? "app" + suffix + ".jfr" : o.get("profile", "app.jfr");
                Path jfr = Path.of(instances == 1 ? f : f.replaceFirst("(\\.jfr)?$", "-" + i + ".jfr"));
                a.add("-XX:StartFlightRecording=filename=" + jfr.toAbsolutePath() + ",settings=profile");
                log.println("  profiling the app with JFR into " + jfr.toAbsolutePath());
            }
            return a;
        };
        List<TopicPartition> tps = cluster.partitions(topic);
        long end = cluster.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        log.printf("  starting the app (application.id %s%s%s) ...%n", appId, dedup == null ? "" : ", telemetry.dedup-window " + dedup,
                instances == 1 ? "" : ", " + instances + " instances");
        try (ChildGroup app = ChildGroup.start(instances, jvm, AppProcess.class.getName(), args, o.has("verbose") ? log : null, "app",
                AppProcess.RUNNING)) {
            Drain d = drain(app, appId, tps, end, perRecord, hop);
            log.printf("  app caught up: %,.0f %s between first and last commit; %.1f s from launch (RUNNING after %.1f s); "
                    + "%.1f CPU-s%n", d.rate, unit, d.launchToCaughtUpS, app.runningSeconds(), d.cpuS);
            String how = "records committed between the group's first and last commit ÷ time between them "
                    + "(Admin.listConsumerGroupOffsets every 100 ms), ModelHealthApp in " + (instances == 1 ? "a child JVM"
                    : instances + " child JVMs in one group (CPU summed)") + ", exactly_once_v2"
                    + (dedup == null ? "" : ", telemetry.dedup-window " + dedup)
                    + (o.has("streams") ? ", streams " + String.join(" ", o.all("streams")) : "");
            figures.add(Figure.info("throughput.app" + suffix, d.rate, unit, perRecord == 1 ? how
                    : how.replace("records committed", "records committed × " + perRecord + " spans") + ", otlp.enabled"));
            figures.add(Figure.info("throughput.app_cpu_per_record" + suffix, d.cpuPerRecordUs, "µs",
                    "CPU time (user+sys, all threads, /proc) of the app JVM between its first and last commit ÷ records "
                            + "committed in between: the cost of a call, less sensitive than rates to other load on the machine"));
            figures.add(Figure.info("throughput.app_launch_to_caught_up" + suffix, d.launchToCaughtUpS, "s",
                    "wall time from launching the app JVM until its committed offsets reach the end"));
            return new AppRun(d.rate);
        }
    }

    /**
     * {@link MinimalStreamsJob} on the pre-loaded topic, one child JVM, Kafka Streams' defaults with
     * exactly-once v2 and its own output topic (as many partitions as the input), drained and measured as
     * the app is.
     */
    private Drain minimalJob(String run, String topic, List<Figure> figures) throws Exception {
        List<TopicPartition> tps = cluster.partitions(topic);
        String output = run + ".minimal-job-counts";
        cluster.admin().createTopics(List.of(new NewTopic(output, tps.size(), (short) 1))).all().get(30, TimeUnit.SECONDS);
        String appId = run + "-minimal-job";
        long end = cluster.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        log.printf("  starting the minimal Kafka Streams job (application.id %s) ...%n", appId);
        try (ChildGroup job = ChildGroup.start(1, i -> List.of(), MinimalStreamsJob.class.getName(),
                List.of(cluster.bootstrap(), appId, topic, output), o.has("verbose") ? log : null, "minimal-job", MinimalStreamsJob.RUNNING)) {
            Drain d = drain(job, appId, tps, end, 1, null);
            log.printf("  minimal job caught up: %,.0f rec/s between first and last commit; %.1f s from launch; %.1f CPU-s%n",
                    d.rate, d.launchToCaughtUpS, d.cpuS);
            figures.add(Figure.info("throughput.minimal_job", d.rate, "rec/s",
                    "MinimalStreamsJob (Jackson readTree, calls and errors per route in 10 s tumbling event-time windows, "
                            + "exactly_once_v2, Kafka Streams defaults, 1 thread) in a child JVM on the same topic, measured as the app"));
            figures.add(Figure.info("throughput.minimal_job_cpu_per_record", d.cpuPerRecordUs, "µs",
                    "CPU time of the minimal job's JVM between its first and last commit ÷ records committed in between"));
            return d;
        }
    }

    /**
     * A drain as the bench measures it: rate = records committed between the group's first and last commit ÷
     * the time between them, CPU = the JVMs' user+sys time over the same interval.
     */
    private record Drain(double rate, double cpuPerRecordUs, double launchToCaughtUpS, double cpuS) {
    }

    /**
     * Polls the group's committed offsets every 100 ms until they reach {@code end} (failing after 3 minutes
     * without progress).
     *
     * @param perRecord calls per input record (OTLP: spans per request), so the rate is in calls (spans)
     * @param hop       a repartition topic every call crosses after the input (OTLP: spans-by-route), or null;
     *                  the group has caught up only when it has committed it to its end as well
     */
    private Drain drain(ChildGroup jvms, String group, List<TopicPartition> tps, long end, int perRecord, String hop)
            throws Exception {
        long firstT = 0;
        long firstC = 0;
        double firstCpu = 0;
        long lastT;
        long lastC;
        // A stall, not a slow drain, ends the run: on a machine shared with other work the same drain can take
        // several times as long, and a fixed budget threw away runs that were progressing.
        long stall = Duration.ofSeconds(180).toNanos();
        long deadline = System.nanoTime() + stall;
        long progress = -1;
        while (true) {
            long c = cluster.committed(group, tps);
            long t = System.nanoTime();
            if (c > progress) {
                progress = c;
                deadline = t + stall;
            }
            if (c > 0 && firstT == 0) {
                firstT = t;
                firstC = c;
                firstCpu = jvms.cpuSeconds();
            }
            if (c >= end && (hop == null || hopCaughtUp(group, hop))) {
                lastT = t;
                lastC = c;
                break;
            }
            if (t > deadline) {
                throw new IllegalStateException(group + " did not catch up: committed " + c + " of " + end
                        + ", no progress for " + stall / 1_000_000_000 + " s");
            }
            Thread.sleep(100);
        }
        double cpuS = jvms.cpuSeconds();
        double records = (double) (lastC - firstC) * perRecord;
        return new Drain(records / ((lastT - firstT) / 1e9), (cpuS - firstCpu) * 1e6 / records,
                (lastT - jvms.startedNanos()) / 1e9, cpuS);
    }

    /** Whether the group has committed every partition of {@code topic} to its current end. */
    private boolean hopCaughtUp(String appId, String topic) throws Exception {
        List<TopicPartition> tps = cluster.partitions(topic);
        long end = cluster.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        return end > 0 && cluster.committed(appId, tps) >= end;
    }

    static Map<String, String> topicFlags(String prefix) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : List.of("calls", "dead-letters", "windows", "anomalies", "state", "alerts", "reroutes", "overrides")) {
            m.put("topics." + t, prefix + t);
        }
        m.put("topics.partitions", "6");
        m.put("topics.replication-factor", "1");
        return m;
    }

    private Properties bulkProducer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", cluster.bootstrap());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("linger.ms", "20");
        p.put("batch.size", "262144");
        p.put("buffer.memory", "134217728");
        // A bulk load, not the system under test: plain acks=1 batches (the idempotent producer's
        // sequence checks add nothing here, and stalled on the single-node broker under this burst).
        p.put("enable.idempotence", "false");
        p.put("acks", "1");
        p.put("max.in.flight.requests.per.connection", "1");
        return p;
    }

    private long preload(String topic, long n, int routes) throws Exception {
        Properties p = bulkProducer();
        Calls calls = new Calls("tp", routes, 42);
        SplittableRandom r = new SplittableRandom(7);
        double perMs = 10.0; // event time advances at 10k calls/s overall, so buckets and windows fill as in production
        long start = System.currentTimeMillis() - (long) (n / perMs) - 120_000;
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; i < n; i++) {
                int route = r.nextInt(routes);
                long ts = start + (long) (i / perMs);
                byte[] v = calls.normal(route, ts);
                bytes += v.length;
                producer.send(new ProducerRecord<>(topic, null, ts, calls.key(route), v));
            }
            producer.flush();
        }
        return bytes;
    }

    /** utime + stime of a process, from /proc (Linux). NaN elsewhere. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        } catch (Exception e) {
            return Double.NaN;
        }
    }
}
