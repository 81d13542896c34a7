package io.modelhealth.ordering;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhealth.backtest.Backtest;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.scenario.GeneratedCall;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs calls through {@code backtest}'s engine ({@link Backtest}: the real topology on
 * {@code TopologyTestDriver}, wall clock driven by event time, the last buckets drained at the
 * end), fed as JSON lines in the given arrival order, and returns what it decided.
 */
final class BacktestRun {

    private static final ObjectMapper JSON = Json.mapper();

    private BacktestRun() {
    }

    static Outputs run(AppConfig config, List<GeneratedCall> arrivalOrder) {
        StringBuilder jsonl = new StringBuilder(arrivalOrder.size() * 400);
        for (GeneratedCall c : arrivalOrder) {
            jsonl.append(OrderingInput.line(c)).append('\n');
        }
        return runLines(config, jsonl.toString());
    }

    /** The same over a whole input file: {@code llm.call.v1} lines, or OTLP/JSON request lines. */
    static Outputs runLines(AppConfig config, String jsonl) {
        StringWriter out = new StringWriter();
        try (BufferedReader in = new BufferedReader(new StringReader(jsonl))) {
            new Backtest(config, ConfigLoader.configVersion(config)).run(in, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<RerouteCommand> commands = new ArrayList<>();
        List<RouteStatus> states = new ArrayList<>();
        List<HealthWindow> windows = new ArrayList<>();
        AppConfig.Topics topics = config.topics();
        try {
            for (String line : out.toString().split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                String topic = n.get("topic").asText();
                JsonNode value = n.get("value");
                if (value == null || value.isNull()) {
                    continue;
                }
                if (topic.equals(topics.reroutes()) || topic.equals(topics.scopedReroutes())) {
                    commands.add(JSON.treeToValue(value, RerouteCommand.class));
                } else if (topic.equals(topics.state())) {
                    states.add(JSON.treeToValue(value, RouteStatus.class));
                } else if (topic.equals(topics.windows())) {
                    windows.add(JSON.treeToValue(value, HealthWindow.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Outputs(commands, states, windows);
    }
}
