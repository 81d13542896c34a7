package io.modelhealth.bench;

import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.health.RouteState;
import io.modelhealth.health.RouteStateSerde;
import io.modelhealth.http.MetricsRegistry;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.topology.RouteProcessor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Child-JVM side of the memory bench: the real topology ({@code HealthTopology.build} via
 * {@link Replay}, i.e. TopologyTestDriver with the app's stores, caching included) and the app's real
 * Prometheus meter registry, fed R routes in steady state; prints the heap used after full GCs.
 *
 * <pre>MemoryProbe ROUTES MINUTES SECONDS_BETWEEN_CALLS [prometheus|none]</pre>
 * {@code none} denies the app's own meters ({@code model.health.*}), to tell the engine's share from the meters'.
 * Every record the driver captures is read off as it comes ({@link Replay} returns its outputs and
 * {@link Replay#discardUnread()} drops the changelog and repartition records), or TopologyTestDriver
 * would keep them all and the heap would grow with the calls rather than the routes.
 * Output: {@code MEM routes=R baseline=B after=A per_route=P state_bytes=S meters=M}.
 */
public final class MemoryProbe {

    private MemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        int routes = Integer.parseInt(args[0]);
        int minutes = Integer.parseInt(args[1]);
        int every = Integer.parseInt(args[2]);
        // Above limits.max-routes (10,000 by default) the routes beyond it would be refused, not held: a probe of
        // more routes raises it, so two probes tell what one more route costs once the fixed budgets are full.
        AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("limits.max-routes", Integer.toString(Math.max(10_000, routes))));
        boolean withMeters = args.length < 4 || !args[3].equals("none");
        MetricsRegistry registry = new MetricsRegistry();
        if (!withMeters) {
            registry.registry().config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.denyNameStartsWith("model.health"));
        }
        HealthMetrics metrics = new HealthMetrics(registry.registry());
        long start = Instant.parse("2026-11-27T00:00:00Z").toEpochMilli();
        Calls warm = new Calls("warm", 1, 1);
        Calls calls = new Calls("mem", routes, 2);
        try (Replay replay = new Replay(cfg, ConfigLoader.configVersion(cfg), Instant.ofEpochMilli(start), metrics)) {
            // Warm-up on one route over the same span: code paths, JIT, stores and caches exist before the baseline.
            long t = start;
            long end = start + minutes * 60_000L;
            for (; t < end; t += every * 1000L) {
                replay.call(warm.key(0), warm.normal(0, t), t);
            }
            replay.discardUnread();
            long baseline = usedAfterGc();
            Map<String, long[]> histoBefore = classHistogram();
            int metersBefore = registry.registry().getMeters().size();
            long stepMs = every * 1000L;
            long from = t;
            long until = from + minutes * 60_000L;
            for (long step = from; step < until; step += stepMs) {
                for (int r = 0; r < routes; r++) {
                    long ts = step + (long) r * stepMs / routes;
                    replay.call(calls.key(r), calls.normal(r, ts), ts);
                    if ((r & 1023) == 0) {
                        replay.discardUnread();
                    }
                }
            }
            replay.discardUnread();
            long after = usedAfterGc();
            printGrowth(histoBefore, classHistogram(), routes);
            int meters = registry.registry().getMeters().size() - metersBefore;
            long stateBytes = 0;
            int states = 0;
            KeyValueStore<String, RouteState> store = replay.driver().getKeyValueStore(RouteProcessor.STATE_STORE);
            RouteStateSerde serde = new RouteStateSerde();
            try (KeyValueIterator<String, RouteState> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<String, RouteState> kv = it.next();
                    stateBytes += serde.serializer().serialize("", kv.value).length;
                    states++;
                }
            }
            System.out.printf("MEM routes=%d baseline=%d after=%d per_route=%.1f state_bytes=%.1f meters=%.2f%n", routes, baseline,
                    after, (after - baseline) / (double) routes, stateBytes / (double) Math.max(1, states),
                    meters / (double) routes);
            Reference.reachabilityFence(replay);
            Reference.reachabilityFence(metrics);
        }
        registry.close();
    }

    /** Instances and bytes per class of the live heap ({@code jcmd GC.class_histogram}, which collects first). */
    static Map<String, long[]> classHistogram() throws Exception {
        javax.management.ObjectName name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
        String text = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(name, "gcClassHistogram",
                new Object[]{new String[0]}, new String[]{String[].class.getName()});
        Map<String, long[]> h = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                h.put(f[3], new long[]{Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return h;
    }

    /** The classes whose live bytes grew most from the baseline, per route: where a route's heap goes. */
    static void printGrowth(Map<String, long[]> before, Map<String, long[]> after, int routes) {
        after.entrySet().stream()
                .map(e -> {
                    long[] b = before.getOrDefault(e.getKey(), new long[2]);
                    return Map.entry(e.getKey(), new long[]{e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
                })
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .limit(25)
                .forEach(e -> System.out.printf("HISTO %8.1f B/route %6.2f objects/route %s%n", e.getValue()[1] / (double) routes,
                        e.getValue()[0] / (double) routes, e.getKey()));
    }

    private static long usedAfterGc() throws InterruptedException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
            best = Math.min(best, mx.getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
