package io.modelhealth.cli;

import io.modelhealth.config.AppConfig;
import io.modelhealth.scenario.Scenario;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.scenario.Simulator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code simulate}: scenario load into any cluster. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Produce scenario load (llm.call.v1, keyed by route) into a cluster in real time. "
                + "Scenarios: steady, outage, policy-withdrawal, rate-limit, latency, flapping, client-storm, "
                + "content-filter, demo.")
final class SimulateCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--scenario", required = true, paramLabel = "NAME", description = "Scenario name (see above).")
    String scenario;

    @Option(names = "--rate", defaultValue = "200", paramLabel = "N", description = "Calls per second, all routes together (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "How long to run (default: the scenario's own length).")
    Long durationSeconds;

    @Option(names = "--garbage", defaultValue = "0", paramLabel = "N", description = "Also send N malformed records, to see the dead-letter path.")
    int garbage;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: the time), for repeatable load.")
    Long seed;

    @Override
    public Integer call() {
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
        Map<String, Object> props = new LinkedHashMap<>(cfg.kafka());
        // Only client settings matter to a producer; Streams-only keys would just be warned about.
        props.remove("application.id");
        try (Simulator simulator = new Simulator(props, System.out)) {
            Runtime.getRuntime().addShutdownHook(new Thread(simulator::stop, "simulate-stop"));
            Simulator.Result result = simulator.run(settings);
            return result.failed() == 0 ? 0 : 1;
        }
    }
}
