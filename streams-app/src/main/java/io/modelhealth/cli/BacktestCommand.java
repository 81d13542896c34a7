package io.modelhealth.cli;

import io.modelhealth.backtest.Backtest;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code backtest}: the topology over a JSONL file, no broker. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = "Run the same topology over a file of llm.call.v1 JSON lines, without a broker, and write every "
                + "output record (topic, key, timestamp, value) as JSON lines. Try thresholds on past traffic. A file whose "
                + "first line is an OTLP/JSON ExportTraceServiceRequest (the Collector's file exporter) is read as spans.")
final class BacktestCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--input", required = true, paramLabel = "calls.jsonl", description = "llm.call.v1 records, one JSON per line, in time order; or OTLP/JSON trace requests, one per line.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "out.jsonl", description = "Where to write the output records.")
    Path output;

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = config.load(Map.of());
        String version = ConfigLoader.configVersion(cfg);
        Backtest.Summary summary;
        try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8);
             Writer out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            summary = new Backtest(cfg, version).run(in, out);
        }
        System.out.println("backtest of " + input + " with config " + version + " → " + output);
        summary.lines().forEach(l -> System.out.println("  " + l));
        return 0;
    }
}
