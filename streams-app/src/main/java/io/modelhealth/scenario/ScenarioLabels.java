package io.modelhealth.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.telemetry.OutcomeClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The incidents a scenario injects, as the labels file of {@code backtest --labels} (shape:
 * {@code io.modelhealth.backtest.Labels}, docs/design.md "Backtest labels"): one entry per
 * incident and route, {@code kind} the outcome class most of its errors fall in ({@code latency}
 * for a slowdown), {@code reroute} true when that class counts against the model (an outage, a
 * throttle, a withdrawal), false when a reroute would be wrong (client errors, content filter,
 * latency). An incident that outlives the run ends at the run's end.
 */
public final class ScenarioLabels {

    private static final ObjectMapper JSON = Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

    private ScenarioLabels() {
    }

    public static ObjectNode of(Scenario scenario, Instant start, Duration duration, OutcomeClassifier classifier) {
        ObjectNode root = JSON.createObjectNode();
        root.put("scenario", scenario.name());
        ArrayNode list = root.putArray("incidents");
        for (Incident i : scenario.incidents()) {
            if (i.from().compareTo(duration) >= 0) {
                continue;
            }
            String kind = kind(i, classifier);
            boolean reroute = !kind.equals("latency") && OutcomeClass.fromWireName(kind).countsAgainstModel();
            for (String route : new TreeSet<>(i.routes())) {
                ObjectNode n = list.addObject();
                n.put("route", route);
                n.put("from", start.plus(i.from()).toString());
                if (i.until() != null && i.until().compareTo(duration) < 0) {
                    n.put("to", start.plus(i.until()).toString());
                }
                n.put("kind", kind);
                n.put("reroute", reroute);
                n.put("label", i.label());
            }
        }
        return root;
    }

    public static void write(Scenario scenario, Instant start, Duration duration, OutcomeClassifier classifier, Path file) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(of(scenario, start, duration, classifier)) + "\n");
    }

    private static String kind(Incident i, OutcomeClassifier classifier) {
        if (i.errors() == null || i.share() == 0) {
            return "latency";
        }
        Map<OutcomeClass, Double> byClass = new TreeMap<>();
        for (var e : i.errors().shares().entrySet()) {
            LlmCall probe = new LlmCall("label", Instant.EPOCH, "p", "m", null, null, e.getKey().statusCode(), e.getKey().errorType(),
                    0, null, null, null);
            byClass.merge(classifier.classify(probe), e.getValue(), Double::sum);
        }
        return byClass.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey().wireName();
    }
}
