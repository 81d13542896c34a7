package io.modelhealth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CLI as a user drives it: help, backtest end to end, and start-up errors that name the key. */
class CliTest {

    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "demo", "simulate", "topics", "backtest"})
    void everyCommandHasHelpNamingItsOptions(String command) {
        CliRun r = run(command, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: model-health " + command);
        List<String> expected = switch (command) {
            case "run" -> List.of("--config", "--bootstrap-servers", "--http-port", "--alertmanager-url");
            case "demo" -> List.of("--duration", "--http-port", "--otlp", "--verbose");
            case "simulate" -> List.of("--bootstrap-servers", "--scenario", "--rate", "--duration", "--output", "--labels", "--start",
                    "--otlp");
            case "topics" -> List.of("--bootstrap-servers");
            default -> List.of("--input", "--config", "--output", "--report", "--compare", "--labels", "--tolerance", "--progress");
        };
        assertThat(r.out()).contains(expected);
    }

    @Test
    void topLevelHelpListsTheCommands() {
        CliRun r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("run", "demo", "simulate", "topics", "backtest");
    }

    @Test
    void backtestWritesEveryOutputRecordAndIsByteForByteRepeatable() throws Exception {
        Path input = tmp.resolve("calls.jsonl");
        CallSchedule.of(Scenarios.byName("policy-withdrawal"), 100, Instant.parse("2026-11-27T03:00:00Z"),
                Duration.ofSeconds(60), 11).writeJsonl(input);
        Files.writeString(input, Files.readString(input) + "this line is not json\n");
        Path out1 = tmp.resolve("out1.jsonl");
        Path out2 = tmp.resolve("out2.jsonl");
        Path config = tmp.resolve("routes.yaml");
        StringBuilder yaml = new StringBuilder("routes:\n");
        Scenarios.byName("policy-withdrawal").fallbacks().forEach((route, chain) -> yaml.append("  ").append(route)
                .append(":\n    fallbacks: [").append(String.join(", ", chain)).append("]\n"));
        Files.writeString(config, yaml);

        CliRun first = run("backtest", "--config", config.toString(), "--input", input.toString(), "--output", out1.toString());
        CliRun second = run("backtest", "--config", config.toString(), "--input", input.toString(), "--output", out2.toString());

        assertThat(first.exit()).isZero();
        assertThat(second.exit()).isZero();
        assertThat(Files.readAllBytes(out2)).isEqualTo(Files.readAllBytes(out1));
        List<String> lines = Files.readAllLines(out1);
        assertThat(lines).isNotEmpty();
        long reroutes = 0;
        long deadLetters = 0;
        for (String line : lines) {
            JsonNode n = Json.mapper().readTree(line);
            assertThat(n.has("topic") && n.has("timestamp") && n.has("value")).as(line).isTrue();
            reroutes += n.get("topic").asText().equals("model.reroute.commands") ? 1 : 0;
            deadLetters += n.get("topic").asText().equals("llm.calls.dlq") ? 1 : 0;
        }
        assertThat(reroutes).as("both withdrawn models are rerouted").isGreaterThanOrEqualTo(2);
        assertThat(deadLetters).isEqualTo(1);
        assertThat(first.out()).contains("incidents", "reroute commands", "1 dead-lettered", "detected");
    }

    @Test
    void aBadConfigFailsAtStartUpNamingTheKey() throws Exception {
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, "detection:\n  policy-block:\n    enter-ratio: 1.5\n");
        CliRun r = run("backtest", "--config", config.toString(), "--input", config.toString(), "--output",
                tmp.resolve("o.jsonl").toString());
        assertThat(r.exit()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(r.err()).contains("config error", "detection.policy-block.enter-ratio");
    }

    @Test
    void anUnknownKeyFailsNamingItAndTheAllowedOnes() throws Exception {
        Path config = tmp.resolve("typo.yaml");
        Files.writeString(config, "http:\n  prot: 8080\n");
        CliRun r = run("run", "--config", config.toString());
        assertThat(r.exit()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(r.err()).contains("http.prot", "port");
    }

    @Test
    void simulateOtlpNeedsABroker() {
        CliRun r = run("simulate", "--scenario", "demo", "--otlp", "--output", "calls.jsonl");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--otlp goes to a broker, not with --output");
    }

    @Test
    void anUnknownScenarioIsAUsageErrorListingTheScenarios() {
        CliRun r = run("simulate", "--bootstrap-servers", "127.0.0.1:1", "--scenario", "nope");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("nope", "policy-withdrawal");
    }

}
