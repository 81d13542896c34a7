package io.modelhealth.cli;

import io.modelhealth.config.AppConfig;
import io.modelhealth.otlp.SpanBatchSink;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.ScenarioLabels;
import io.modelhealth.telemetry.OutcomeClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import io.modelhealth.scenario.Scenario;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.scenario.Simulator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code simulate}: scenario load into any cluster. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Produce scenario load (llm.call.v1, keyed by route; or OTLP spans with --otlp) into a cluster in real time, "
                + "or write it to a file "
                + "(--output, with the injected incidents as --labels) for backtest. "
                + "Scenarios: steady, outage, policy-withdrawal, rate-limit, latency, flapping, client-storm, "
                + "content-filter, demo.")
final class SimulateCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers (or --output).")
    String bootstrapServers;

    @Option(names = "--output", paramLabel = "calls.jsonl",
            description = "Instead of producing in real time, write the whole scenario at once as llm.call.v1 JSON lines "
                    + "(the input of backtest), with event times from --start; no broker needed.")
    Path output;

    @Option(names = "--labels", paramLabel = "labels.json",
            description = "With --output: also write the incidents the scenario injects, the labels file of backtest --labels.")
    Path labels;

    @Option(names = "--start", defaultValue = "2026-11-27T03:00:00Z", paramLabel = "RFC3339",
            description = "With --output: the event time of the scenario's start (default: ${DEFAULT-VALUE}).")
    Instant start;

    @Option(names = "--scenario", required = true, paramLabel = "NAME", description = "Scenario name (see above).")
    String scenario;

    @Option(names = "--rate", defaultValue = "200", paramLabel = "N", description = "Calls per second, all routes together (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "How long to run (default: the scenario's own length).")
    Long durationSeconds;

    @Option(names = "--garbage", defaultValue = "0", paramLabel = "N", description = "Also send N malformed records, to see the dead-letter path.")
    int garbage;

    @Option(names = "--otlp", description = "Send the calls as OpenTelemetry GenAI spans instead: unkeyed ExportTraceServiceRequest "
            + "batches, as the Collector's kafka exporter writes them, to otlp.topic in otlp.encoding (the monitor needs otlp.enabled).")
    boolean otlp;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: the time; 1 with --output), for repeatable load.")
    Long seed;

    @Override
    public Integer call() throws IOException {
        if (output != null && otlp) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--otlp goes to a broker, not with --output");
        }
        if (output != null) {
            return writeFiles();
        }
        if (bootstrapServers == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "simulate needs --bootstrap-servers or --output");
        }
        if (labels != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--labels goes with --output");
        }
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("kafka.bootstrap.servers", bootstrapServers);
        AppConfig cfg = config.load(flags);
        Scenario s = Scenarios.byName(scenario);
        Simulator.Settings settings = Simulator.Settings.of(s, cfg.topics().calls(), rate).withGarbageRecords(garbage);
        if (durationSeconds != null) {
            settings = settings.withDuration(Duration.ofSeconds(durationSeconds));
        }
        if (seed != null) {
            settings = settings.withSeed(seed);
        }
        if (otlp) {
            settings = settings.withSink(new SpanBatchSink(cfg.otlp()), cfg.otlp().topic());
        }
        Map<String, Object> props = new LinkedHashMap<>(cfg.kafka());
        // Only client settings matter to a producer; Streams-only keys would just be warned about.
        props.remove("application.id");
        try (Simulator simulator = new Simulator(props, System.out)) {
            Runtime.getRuntime().addShutdownHook(new Thread(simulator::stop, "simulate-stop"));
            Simulator.Result result = simulator.run(settings);
            return result.failed() == 0 ? 0 : 1;
        }
    }

    /** The scenario as a file, at once: same scenario, rate, duration and seed ⇒ the same bytes. */
    private int writeFiles() throws IOException {
        AppConfig cfg = config.load(Map.of());
        Scenario s = Scenarios.byName(scenario);
        Duration duration = durationSeconds == null ? s.defaultDuration() : Duration.ofSeconds(durationSeconds);
        CallSchedule schedule = CallSchedule.of(s, rate, start, duration, seed == null ? 1 : seed);
        long lines = schedule.writeJsonl(output);
        System.out.println("simulate " + s.name() + ": " + lines + " calls, " + start + " + " + duration.toSeconds() + " s → " + output);
        if (labels != null) {
            ScenarioLabels.write(s, start, duration, new OutcomeClassifier(cfg.classes()), labels);
            System.out.println("labels → " + labels);
        }
        return 0;
    }
}
