package io.modelhealth.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory: heap per active route in steady state, and whether 10,000 routes fit a 512 MB heap. A
 * child JVM ({@code -Xmx512m}) runs {@link MemoryProbe}: the real topology through TopologyTestDriver
 * with the app's Prometheus meters, R routes each calling every 5 s for 6 minutes of event time (every
 * 10 s bucket of the 5-minute ring filled, buckets closing, window and latency gauges exported); heap
 * used after full GCs minus the baseline (one warm route over the same span), ÷ R.
 */
public final class MemoryBench {

    private static final Pattern MEM = Pattern.compile(
            "MEM routes=(\\d+) baseline=(\\d+) after=(\\d+) per_route=([\\d.]+) state_bytes=([\\d.]+) meters=([\\d.]+)");

    private final Options o;
    private final PrintStream log;

    public MemoryBench(Options o, PrintStream log) {
        this.o = o;
        this.log = log;
    }

    public List<Figure> run() throws Exception {
        int routes = o.getInt("memory-routes", o.getInt("routes", 10_000));
        String heap = o.get("memory-heap", "512m");
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + heap, "-XX:+UseG1GC"));
        jvm.addAll(o.all("app-jvm-arg"));
        log.printf("  %d routes in a -Xmx%s JVM ...%n", routes, heap);
        List<Figure> f = new ArrayList<>();
        try (ChildJvm probe = ChildJvm.start(jvm, MemoryProbe.class.getName(), List.of(Integer.toString(routes), "6", "5", "prometheus"),
                o.has("verbose") ? log : null, "memory")) {
            ChildJvm.Line line = awaitResult(probe);
            int exit = probe.waitFor(120_000);
            boolean ok = line != null && line.text().startsWith("MEM ") && exit == 0;
            f.add(new Figure("memory.routes_in_" + heap + "_heap", routes, "routes", "10,000 in 512 MB", ok && routes >= 10_000
                    && heap.equals("512m"), "MemoryProbe child JVM -Xmx" + heap + " completed (exit " + exit + ")"
                    + (ok ? "" : ": " + (line == null ? "no result" : line.text()))));
            if (!ok) {
                return f;
            }
            Matcher m = MEM.matcher(line.text());
            if (!m.find()) {
                throw new IllegalStateException(line.text());
            }
            double perRoute = Double.parseDouble(m.group(4));
            log.println("  " + line.text());
            f.add(new Figure("memory.heap_per_route", perRoute, "B", "≤ 2048 B", perRoute <= 2048,
                    "(heap used after full GCs − baseline) ÷ " + routes + " routes, steady state: each route calls every 5 s for 6 min "
                            + "of event time; real topology via TopologyTestDriver (RocksDB stores, caching on) + the app's Prometheus meters"));
            f.add(Figure.info("memory.state_bytes_per_route", Double.parseDouble(m.group(5)), "B",
                    "mean serialized RouteState (the route-state store entry and changelog record)"));
            f.add(Figure.info("memory.meters_per_route", Double.parseDouble(m.group(6)), "",
                    "Micrometer meters registered per route (each one a Prometheus series)"));
        }
        // The same with the app's own meters denied: what the Prometheus side of the per-route meters costs.
        try (ChildJvm probe = ChildJvm.start(jvm, MemoryProbe.class.getName(), List.of(Integer.toString(routes), "6", "5", "none"),
                o.has("verbose") ? log : null, "memory-no-meters")) {
            ChildJvm.Line line = awaitResult(probe);
            Matcher m = line == null ? null : MEM.matcher(line.text());
            if (m != null && m.find()) {
                log.println("  without meters: " + line.text());
                f.add(Figure.info("memory.heap_per_route_without_meters", Double.parseDouble(m.group(4)), "B",
                        "as memory.heap_per_route, with the app's own model.health.* meters denied in the registry "
                                + "(Micrometer still keeps each meter's id and tags; the Prometheus series are gone)"));
            }
        }
        return f;
    }

    /** The probe's MEM line (or its OutOfMemoryError), printing the class histogram lines that come before it. */
    private ChildJvm.Line awaitResult(ChildJvm probe) throws InterruptedException {
        return probe.await(l -> {
            if (l.startsWith("HISTO ")) {
                log.println("  " + l);
            }
            return l.startsWith("MEM ") || l.contains("OutOfMemoryError");
        }, 1_800_000);
    }
}
