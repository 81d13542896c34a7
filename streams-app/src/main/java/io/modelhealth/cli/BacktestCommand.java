package io.modelhealth.cli;

import io.modelhealth.backtest.Backtest;
import io.modelhealth.backtest.BacktestInput;
import io.modelhealth.backtest.BacktestProgress;
import io.modelhealth.backtest.Comparison;
import io.modelhealth.backtest.Labels;
import io.modelhealth.backtest.Recording;
import io.modelhealth.backtest.ReportPage;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.config.Durations;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code backtest}: the topology over a file of past calls, no broker; optionally a second config
 * over the same input ({@code --compare}) and an HTML report ({@code --report}).
 */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = "Run the same topology over past calls without a broker: llm.call.v1 JSON lines, a kcat dump of "
                + "llm.calls (plain, -J envelopes, or -K'\\t' key<TAB>value), or OTLP/JSON trace requests as the Collector's file "
                + "exporter writes them; gzip or not. Write every output record (topic, key, timestamp, value) as JSON lines, "
                + "an HTML report, and/or compare two configs.")
final class BacktestCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--input", required = true, paramLabel = "calls.jsonl[.gz]",
            description = "Past calls in event-time order: llm.call.v1 lines, a kcat dump of llm.calls, or OTLP/JSON trace "
                    + "requests one per line; gzip is detected.")
    Path input;

    @Option(names = "--output", paramLabel = "out.jsonl",
            description = "Where to write every output record (of the --config run) as JSON lines.")
    Path output;

    @Option(names = "--report", paramLabel = "report.html",
            description = "Write a self-contained HTML report: timelines per route, incidents, and with --compare what differs.")
    Path report;

    @Option(names = "--compare", paramLabel = "b.yaml",
            description = "A second config (B) to run over the same input; prints and reports the decisions only one config made.")
    Path compare;

    @Option(names = "--labels", paramLabel = "incidents.json|yaml",
            description = "Expected incidents {route, from, to, kind, reroute, label}: scores false reroutes and missed incidents.")
    Path labelsFile;

    @Option(names = "--tolerance", defaultValue = "1s", paramLabel = "DURATION",
            description = "How far apart in event time two runs' decisions may be and still match, and how long after a "
                    + "labelled incident's end a reroute still belongs to it (default: ${DEFAULT-VALUE}).")
    String tolerance;

    @Option(names = "--progress", description = "Print a progress line to stderr at most once a second (default: only on a terminal).")
    boolean progress;

    @Override
    public Integer call() throws Exception {
        if (output == null && report == null && compare == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "backtest needs at least one of --output, --report or --compare");
        }
        Duration tol = Durations.parse("--tolerance", tolerance);
        Labels labels = labelsFile == null ? null : Labels.read(labelsFile);
        AppConfig cfgA = config.load(Map.of());
        AppConfig cfgB = compare == null ? null : ConfigLoader.load(compare, System.getenv(), Map.of());
        boolean showProgress = progress || System.console() != null;

        Recording a = run(cfgA, compare == null ? "" : "A", output, showProgress);
        Recording b = cfgB == null ? null : run(cfgB, "B", null, showProgress);

        System.out.println("backtest of " + input + " with config " + a.configVersion() + (output == null ? "" : " → " + output));
        a.summary().lines().forEach(l -> System.out.println("  " + l));
        Comparison comparison = null;
        if (b != null) {
            System.out.println("config B " + compare + ", version " + b.configVersion());
            b.summary().lines().forEach(l -> System.out.println("  " + l));
            comparison = Comparison.of(a, b, tol);
            comparison.lines(a.inputFrom(), labels).forEach(System.out::println);
        } else if (labels != null) {
            Labels.Score s = labels.score(a, tol);
            System.out.printf("labels: %d of %d incidents rerouted, %d missed, %d false reroutes%n", s.caught(), s.expected(),
                    s.missed().size(), s.falseReroutes().size());
        }
        if (report != null) {
            String html = new ReportPage(input.getFileName().toString(), a, comparison, labels).html();
            Files.writeString(report, html, StandardCharsets.UTF_8);
            System.out.println("report → " + report + " (" + html.getBytes(StandardCharsets.UTF_8).length / 1024 + " KiB)");
        }
        return 0;
    }

    /** One run over the input; the input is read once per config (a file can be re-read, memory stays flat). */
    private Recording run(AppConfig cfg, String name, Path out, boolean showProgress) throws IOException {
        String version = ConfigLoader.configVersion(cfg);
        try (BacktestInput in = BacktestInput.open(input);
             Writer w = out == null ? null : Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            BacktestProgress p = new BacktestProgress(in, System.err, System::nanoTime, System.console() != null, name);
            Recording r = new Backtest(cfg, version).record(name.isEmpty() ? "A" : name, in, w,
                    showProgress ? p : new Backtest.Listener() { });
            p.done();
            return r;
        }
    }
}
