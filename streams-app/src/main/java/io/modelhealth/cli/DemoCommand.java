package io.modelhealth.cli;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.kafka.TopicSpec;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.otlp.SpanBatchSink;
import io.modelhealth.scenario.Scenario;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.scenario.Simulator;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.topology.AppTopics;
import io.modelhealth.topology.HealthTopology;
import io.modelhealth.topology.InternalTopics;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo}: an embedded single-node KRaft broker, the monitor, and a scenario generator, with
 * the decisions printed as a timeline. Stops after {@code --duration} or on Ctrl-C. The terminal shows
 * the story and the timeline; the log lines go to a file ({@link DemoLog}), or here with {@code --verbose}.
 * With {@code --otlp} the calls go in as OTLP spans ({@link SpanBatchSink}) and the monitor reads them
 * with {@code otlp.enabled}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker, the monitor and a scenario generator (by default the seed's "
                + "story: two models withdrawn overnight, an outage that heals, a client-error storm and a "
                + "content-filter spike), and print state changes, reroutes and alerts as they happen.")
final class DemoCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--duration", defaultValue = "240", paramLabel = "SECONDS", description = "How long to run (default: ${DEFAULT-VALUE}).")
    long durationSeconds;

    @Option(names = "--http-port", defaultValue = "8080", paramLabel = "PORT", description = "Status page, API and /metrics (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int httpPort;

    @Option(names = "--rate", defaultValue = "300", paramLabel = "N", description = "Calls per second over all routes (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--scenario", defaultValue = "demo", paramLabel = "NAME", description = "Scenario (default: ${DEFAULT-VALUE}).")
    String scenarioName;

    @Option(names = "--verbose", description = "Also show the log lines of Kafka, the embedded broker and the monitor here "
            + "(by default they go to the file named at start, and the terminal shows the story and the timeline only).")
    boolean verbose;

    @Option(names = "--otlp", description = "Send the scenario's calls as OpenTelemetry GenAI spans instead of llm.call.v1 "
            + "records: unkeyed ExportTraceServiceRequest batches, as the Collector's kafka exporter writes them, to "
            + "otlp.topic (otlp_spans) in otlp.encoding, with otlp.enabled on for the monitor.")
    boolean otlp;

    @Override
    public Integer call() throws Exception {
        DemoLog log = DemoLog.setUp(verbose); // before anything logs
        PrintStream out = System.out;
        Scenario scenario = Scenarios.byName(scenarioName);
        long t0 = System.currentTimeMillis();
        out.println("model-health demo: " + scenario.description());
        out.println(log.describe());
        out.println("expected story" + (otlp ? " (every call sent as an OpenTelemetry span)" : "") + ":");
        scenario.timeline().forEach(p -> out.println("  " + p));
        out.println();
        out.println("starting an embedded Kafka broker ...");
        try {
            play(out, scenario, t0);
        } catch (Exception | Error e) {
            if (log.file() != null) {
                out.println("the demo failed; Kafka logs: " + log.file());
            }
            throw e;
        }
        if (log.file() != null) {
            out.println("Kafka logs: " + log.file());
        }
        return 0;
    }

    private void play(PrintStream out, Scenario scenario, long t0) throws Exception {
        Path stateDir = Files.createTempDirectory("model-health-demo-state");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().closeOnJvmExit(false).start()) {
            Map<String, String> flags = new LinkedHashMap<>();
            flags.put("kafka.bootstrap.servers", broker.bootstrapServers());
            flags.put("http.port", Integer.toString(httpPort));
            // One partition: every route on one task, so the story prints in order. (Several partitions
            // work the same; decisions about routes on other tasks then see each other about a commit later.)
            flags.put("topics.partitions", "1");
            // One minute of baseline (6 buckets) instead of the default two, so the demo's anomaly can open in time.
            flags.put("anomaly.warmup-buckets", "6");
            flags.put("topics.replication-factor", "1");
            if (otlp) {
                flags.put("otlp.enabled", "true");
            }
            AppConfig loaded = config.load(flags);
            AppConfig cfg = withScenarioRoutes(loaded, scenario);
            try (TopicAdmin admin = TopicAdmin.connect(broker.bootstrapServers(), cfg.kafka(), Duration.ofSeconds(30))) {
                List<TopicSpec> topics = new ArrayList<>(AppTopics.specs(cfg));
                // Kafka Streams' own topics too, in the same request: its first rebalance then finds them ready.
                topics.addAll(InternalTopics.singlePartition(HealthTopology.build(cfg, ConfigLoader.configVersion(cfg), 1, HealthMetrics.noop()),
                        cfg));
                admin.ensure(topics);
            }
            Simulator.Settings records = Simulator.Settings.of(scenario, cfg.topics().calls(), rate)
                    .withDuration(Duration.ofSeconds(durationSeconds)).withGarbageRecords(otlp ? 0 : 3)
                    .withProgressInterval(Duration.ofHours(1));
            Simulator.Settings settings = otlp ? records.withSink(new SpanBatchSink(cfg.otlp()), cfg.otlp().topic()) : records;
            // The scenario starts once the monitor is running. Started earlier (while Kafka Streams joins its group),
            // its producer competes with the monitor's start for the CPU, and the monitor's first seconds go to catching
            // up with a backlog through a cold pipeline: on the 2-core machine the first decision came later that way
            // (docs/performance.md). The story's short baseline (Scenarios.DEMO_FIRST_INCIDENT) is what makes it early.
            ModelHealthApp app = ModelHealthApp.start(cfg, Map.of("state.dir", stateDir.toString()));
            try {
                app.awaitRunning(Duration.ofSeconds(60));
                out.printf("monitor running (config %s): status page http://localhost:%d/  metrics http://localhost:%d/metrics%n",
                        app.configVersion(), app.httpPort(), app.httpPort());
                try (Simulator simulator = new Simulator(new LinkedHashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers())),
                        phasesOnly(out));
                     TimelinePrinter timeline = new TimelinePrinter(cfg.kafka(), AppTopics.from(cfg.topics()), out,
                             System.currentTimeMillis())) {
                    CountDownLatch done = new CountDownLatch(1);
                    Thread hook = new Thread(() -> {
                        simulator.stop();
                        try {
                            done.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, "demo-stop");
                    Runtime.getRuntime().addShutdownHook(hook);
                    try {
                        Simulator.Result result = simulator.run(settings);
                        Thread.sleep(1_500); // let the last decisions commit and print
                        timeline.close();
                        summary(out, timeline, result, System.currentTimeMillis() - t0);
                    } finally {
                        done.countDown();
                        try {
                            Runtime.getRuntime().removeShutdownHook(hook);
                        } catch (IllegalStateException shuttingDown) {
                            // Ctrl-C: the hook is running
                        }
                    }
                }
            } finally {
                app.close();
            }
        } finally {
            deleteQuietly(stateDir);
        }
    }

    /** The scenario's fallback chains, unless the config file brought its own routes. */
    static AppConfig withScenarioRoutes(AppConfig c, Scenario scenario) {
        if (!c.routes().isEmpty()) {
            return c;
        }
        Map<String, AppConfig.Route> routes = new LinkedHashMap<>();
        scenario.fallbacks().forEach((route, chain) -> routes.put(route, new AppConfig.Route(chain)));
        return new AppConfig(c.kafka(), c.http(), c.topics(), c.telemetry(), c.classes(), c.windows(), c.detection(),
                c.anomaly(), c.reroute(), c.alerts(), routes, c.otlp(), c.scopes(), c.families(), c.limits(), c.overrides(), c.operations(), c.rocksdb()).validate();
    }

    private static void summary(PrintStream out, TimelinePrinter timeline, Simulator.Result result, long elapsedMs) {
        out.println();
        out.printf("demo over after %d s: %,d calls sent%s, %d reroute commands, %d alerts fired%n",
                elapsedMs / 1000, result.calls(), result.garbageRecords() == 0 ? ""
                        : String.format(" (%,d malformed records too, dead-lettered)", result.garbageRecords()),
                timeline.commands, timeline.alertsFiring);
        out.println("final states:");
        for (RouteStatus s : timeline.finalStates.values()) {
            out.printf("  %-28s %-11s%s%n", s.route(), s.state(),
                    s.rerouteTarget() == null ? "" : "  traffic -> " + s.rerouteTarget() + " (weight " + s.rerouteWeight() + ")");
        }
    }

    /** The simulator's own lines, minus its progress chatter: the timeline is the demo's voice. */
    private static PrintStream phasesOnly(PrintStream target) {
        return new PrintStream(OutputStream.nullOutputStream()) {
            @Override
            public void println(String line) {
                if (line != null && (line.contains("phase") || line.startsWith("t+"))) {
                    target.println("           scenario: " + line.trim());
                }
            }
        };
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temp dir
        }
    }
}
