package io.modelhealth.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The performance goals, measured. One jar, one command per goal:
 *
 * <pre>
 *   java -jar bench/target/model-health-bench.jar throughput [--records N] [--routes R] [--compare-dedup] [--profile F.jfr]
 *                                                          [--otlp [--spans-per-request K]] [--instances N]
 *                                                          [--streams num.stream.threads=T]
 *   java -jar bench/target/model-health-bench.jar detection  [--trials N] [--rate CALLS_PER_S]
 *   java -jar bench/target/model-health-bench.jar memory     [--routes N] [--memory-heap 512m]
 *   java -jar bench/target/model-health-bench.jar startup    [--app-jar streams-app/target/model-health.jar]
 *   java -jar bench/target/model-health-bench.jar backtest   [--backtest-calls N] [--app-jar ...]
 *   java -jar bench/target/model-health-bench.jar all        (each of the above with its defaults)
 *   java -jar bench/target/model-health-bench.jar jmh        [JMH options]  (hot-path microbenchmarks, -prof gc)
 *   java -jar bench/target/model-health-bench.jar jfr-top F.jfr [N] [thread-filter]
 * common: --bootstrap-servers B (default: an embedded broker)  --json F (default bench/target/bench-results.json)
 *         --label TEXT  --streams key=value (repeatable: Kafka Streams property for the app)
 *         --app-jvm-arg ARG (repeatable)  --verbose
 * </pre>
 * Prints a table (figure, value, goal, met?, method) and writes the same as JSON for later comparison.
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            usage(System.out);
            return;
        }
        String cmd = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (cmd) {
            case "jmh" -> {
                Jmh.run(rest);
                return;
            }
            case "jfr-top" -> {
                JfrTop.print(Path.of(rest.get(0)), rest.size() > 1 ? Integer.parseInt(rest.get(1)) : 30,
                        rest.size() > 2 ? rest.get(2) : null);
                return;
            }
            case "throughput", "detection", "memory", "startup", "backtest", "all" -> {
            }
            default -> {
                System.err.println("unknown command '" + cmd + "'");
                usage(System.err);
                System.exit(2);
            }
        }
        Options o = new Options(rest);
        PrintStream log = System.out;
        List<Figure> figures = new ArrayList<>();
        long t0 = System.nanoTime();
        double loadStart = loadAverage();
        boolean all = cmd.equals("all");
        if (all || cmd.equals("startup")) {
            // First, while nothing else runs: the demo brings its own broker.
            log.println("== startup");
            figures.addAll(new StartupBench(o, log).run());
        }
        if (all || cmd.equals("memory")) {
            log.println("== memory");
            figures.addAll(new MemoryBench(o, log).run());
        }
        if (all || cmd.equals("throughput") || cmd.equals("detection")) {
            log.println("starting " + (o.has("bootstrap-servers") ? "against " + o.get("bootstrap-servers", null) : "an embedded broker") + " ...");
            try (Cluster cluster = Cluster.open(o.get("bootstrap-servers", null))) {
                if (all || cmd.equals("throughput")) {
                    log.println("== throughput");
                    figures.addAll(new ThroughputBench(cluster, o, log).run());
                }
                if (all || cmd.equals("detection")) {
                    log.println("== detection");
                    figures.addAll(new DetectionBench(cluster, o, log).run());
                }
            }
        }
        if (all || cmd.equals("backtest")) {
            log.println("== backtest");
            Double drain = figures.stream().filter(f -> f.name().equals("throughput.app")).map(Figure::value).findFirst().orElse(null);
            figures.addAll(new BacktestBench(o, log, drain).run());
        }
        figures.add(Figure.info("machine.load_average", Math.max(loadStart, loadAverage()), "",
                "1-minute load average at the start or end of the run, whichever is higher (" + Runtime.getRuntime().availableProcessors()
                        + " cores): above ~1 other work on the machine competed with the bench"));
        log.println();
        printTable(figures, log);
        Path json = Path.of(o.get("json", ChildJvm.ownLocation().getParent().resolve("bench-results.json").toString()));
        writeJson(json, cmd, rest, o.get("label", null), figures, (System.nanoTime() - t0) / 1e9);
        log.printf("%nwrote %s (%.0f s)%n", json, (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    static void printTable(List<Figure> figures, PrintStream out) {
        int w = figures.stream().mapToInt(f -> f.name().length()).max().orElse(10);
        String fmt = "%-" + w + "s  %16s  %-16s  %-5s  %s%n";
        out.printf(fmt, "figure", "value", "goal", "met?", "method");
        for (Figure f : figures) {
            out.printf(fmt, f.name(), f.formatted(), f.goal(), f.met() == null ? "" : f.met() ? "yes" : "NO", f.method());
        }
    }

    private static void writeJson(Path file, String cmd, List<String> args, String label, List<Figure> figures, double seconds)
            throws Exception {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("command", cmd);
        root.put("args", String.join(" ", args));
        if (label != null) {
            root.put("label", label);
        }
        root.put("finished_at", Instant.now().toString());
        root.put("seconds", Math.round(seconds));
        ObjectNode machine = root.putObject("machine");
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        machine.put("cpu", cpuModel());
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        ArrayNode arr = root.putArray("figures");
        for (Figure f : figures) {
            ObjectNode n = arr.addObject();
            n.put("name", f.name());
            if (Double.isFinite(f.value())) {
                n.put("value", f.value());
            } else {
                n.put("value", String.valueOf(f.value()));
            }
            n.put("unit", f.unit());
            n.put("goal", f.goal());
            if (f.met() != null) {
                n.put("met", f.met());
            }
            n.put("method", f.method());
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        m.writeValue(file.toFile(), root);
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static void usage(PrintStream out) {
        out.println("""
                usage: java -jar model-health-bench.jar COMMAND [flags]
                  throughput [--records N (2000000)] [--routes R (200)] [--compare-dedup] [--dedup-window D] [--profile F.jfr]
                             [--otlp [--spans-per-request K (50)]] [--instances N (1): app JVMs in one group]
                             (also drains the topic with a minimal Kafka Streams job: app ÷ job is a figure)
                  detection  [--trials N (20)] [--rate CALLS_PER_S (2000)] [--detection-routes R (50)] [--cpu-window S (30)]
                  memory     [--routes N (10000)] [--memory-heap SIZE (512m)]
                  startup    [--app-jar PATH (streams-app/target/model-health.jar)]
                  backtest   [--backtest-calls N (2000000)] [--app-jar PATH]: the CLI's backtest over the demo story
                             (goal: the live drain rate, throughput.app, when `all` measured it in the same run)
                  all        every one of the above, with its defaults
                  jmh        [JMH options] hot-path microbenchmarks (default: -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc)
                  jfr-top F.jfr [N] [thread-filter]   hottest methods of a JFR recording
                common flags: --bootstrap-servers B (default: an embedded broker)  --json FILE  --label TEXT
                              --streams key=value (repeatable)  --app-jvm-arg ARG (repeatable)  --verbose""");
    }
}
