package io.modelhealth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.Json;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backtest --compare} and the input formats, end to end through the CLI on a minute of the
 * policy-withdrawal scenario. The expected difference between two configs is computed apart from
 * {@code --compare}: two plain backtests and a multiset difference of their JSON outputs.
 */
class BacktestCompareTest {

    @TempDir
    static Path dir;
    private static Path calls;
    private static Path configA;
    private static Path outA;

    @BeforeAll
    static void input() throws Exception {
        calls = dir.resolve("calls.jsonl");
        CallSchedule.of(Scenarios.byName("policy-withdrawal"), 80, Instant.parse("2026-11-27T03:00:00Z"), Duration.ofSeconds(45), 7)
                .writeJsonl(calls);
        configA = BacktestReportTest.routesConfig(dir);
        outA = dir.resolve("a.jsonl");
        CliRun a = CliRun.of("backtest", "--config", configA.toString(), "--input", calls.toString(), "--output", outA.toString());
        assertThat(a.exit()).as(a.err()).isZero();
    }

    @Test
    void compareListsExactlyTheDecisionsThatChange() throws Exception {
        // B differs in one threshold: a withdrawal needs 8 refusals in a row instead of 3.
        Path configB = dir.resolve("b.yaml");
        Files.writeString(configB, Files.readString(configA) + "detection:\n  policy-block:\n    consecutive: 8\n");
        Path outB = dir.resolve("b.jsonl");
        CliRun b = CliRun.of("backtest", "--config", configB.toString(), "--input", calls.toString(), "--output", outB.toString());
        assertThat(b.exit()).as(b.err()).isZero();
        List<String> decisionsA = decisions(outA);
        List<String> decisionsB = decisions(outB);
        List<String> onlyA = minus(decisionsA, decisionsB);
        List<String> onlyB = minus(decisionsB, decisionsA);
        assertThat(onlyA).as("the threshold changes something").isNotEmpty();

        Path report = dir.resolve("compare.html");
        CliRun cmp = CliRun.of("backtest", "--config", configA.toString(), "--compare", configB.toString(), "--input", calls.toString(),
                "--tolerance", "0s", "--report", report.toString());
        assertThat(cmp.exit()).as(cmp.err()).isZero();

        JsonNode data = BacktestReportTest.embeddedData(Files.readString(report));
        assertThat(keys(data.get("comparison").get("only_a"))).containsExactlyInAnyOrderElementsOf(onlyA);
        assertThat(keys(data.get("comparison").get("only_b"))).containsExactlyInAnyOrderElementsOf(onlyB);
        assertThat(data.get("runs")).hasSize(2);
        // The terminal says the same, one line per decision.
        assertThat(cmp.out()).contains(String.format(Locale.ROOT, "only A %d, only B %d", onlyA.size(), onlyB.size()));
        assertThat(cmp.out().lines().filter(l -> l.startsWith("  only A ")).count()).isEqualTo(onlyA.size());
        assertThat(cmp.out().lines().filter(l -> l.startsWith("  only B ")).count()).isEqualTo(onlyB.size());
        // And the page shows them as rows.
        String html = Files.readString(report);
        assertThat(BacktestReportTest.count(html, "<tr data-only=\"A\">")).isEqualTo(onlyA.size());
        assertThat(BacktestReportTest.count(html, "<tr data-only=\"B\">")).isEqualTo(onlyB.size());
    }

    @Test
    void aConfigComparedWithItselfDiffersInNothingAndTheReportIsRepeatable() throws Exception {
        Path first = dir.resolve("self-1.html");
        Path second = dir.resolve("self-2.html");
        CliRun cmp = CliRun.of("backtest", "--config", configA.toString(), "--compare", configA.toString(), "--input", calls.toString(),
                "--tolerance", "0s", "--report", first.toString());
        assertThat(cmp.exit()).as(cmp.err()).isZero();
        assertThat(cmp.out()).contains("only A 0, only B 0").doesNotContain("  only A ", "  only B ");
        CliRun again = CliRun.of("backtest", "--config", configA.toString(), "--compare", configA.toString(), "--input", calls.toString(),
                "--tolerance", "0s", "--report", second.toString());
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));
    }

    @Test
    void aBadLabelsFileFailsNamingTheEntryBeforeAnyRun() throws Exception {
        Path labels = dir.resolve("bad-labels.yaml");
        Files.writeString(labels, "incidents:\n  - {route: openai/gpt-5}\n");
        CliRun r = CliRun.of("backtest", "--config", configA.toString(), "--input", calls.toString(), "--report", dir.resolve("x.html").toString(),
                "--labels", labels.toString());
        assertThat(r.exit()).isEqualTo(Main.CONFIG_ERROR);
        assertThat(r.err()).contains("incidents[0].from", "required");
        assertThat(dir.resolve("x.html")).doesNotExist();
    }

    @Test
    void gzipAndKcatDumpsGiveTheSameDecisionsAsThePlainFile() throws Exception {
        List<String> lines = Files.readAllLines(calls);
        Path gz = dir.resolve("calls.dump");  // no .gz suffix: detected by its magic bytes
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(calls));
        }
        // kcat -C -J: one envelope per record, the value as the payload string.
        Path envelopes = dir.resolve("kcat-J.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(envelopes))) {
            long offset = 0;
            for (String l : lines) {
                JsonNode call = Json.mapper().readTree(l);
                var env = Json.mapper().createObjectNode();
                env.put("topic", "llm.calls").put("partition", 0).put("offset", offset++).put("tstype", "create").put("ts", 1764212400000L)
                        .put("broker", 1);
                env.put("key", call.get("provider").asText() + "/" + call.get("model").asText()).put("payload", l);
                out.write((Json.mapper().writeValueAsString(env) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        // kcat -C -K'\t': key, a tab, the value; some records unkeyed.
        Path keyed = dir.resolve("kcat-K.txt");
        StringBuilder k = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode call = Json.mapper().readTree(lines.get(i));
            k.append(i % 3 == 0 ? "" : call.get("provider").asText() + "/" + call.get("model").asText()).append('\t').append(lines.get(i)).append('\n');
        }
        Files.writeString(keyed, k);

        byte[] plain = Files.readAllBytes(outA);
        for (Path input : List.of(gz, envelopes, keyed)) {
            Path out = dir.resolve(input.getFileName() + ".out");
            CliRun r = CliRun.of("backtest", "--config", configA.toString(), "--input", input.toString(), "--output", out.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).as(input.toString()).contains("(0 dead-lettered)");
            assertThat(Files.readAllBytes(out)).as(input.toString()).isEqualTo(plain);
        }
    }

    @Test
    void aBadEnvelopeIsDeadLetteredNotDropped() throws Exception {
        Path input = dir.resolve("bad.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(calls).subList(0, 200));
        lines.add(100, "{\"topic\":\"llm.calls\",\"partition\":0,\"payload\":null}");
        lines.add(150, "{\"topic\":\"llm.calls\",\"payload\":\"not json\"}");
        Files.write(input, lines);
        Path out = dir.resolve("bad.out");
        CliRun r = CliRun.of("backtest", "--config", configA.toString(), "--input", input.toString(), "--output", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("input lines      202 (2 dead-lettered)");
    }

    // ---------------------------------------------------------------- helpers

    /** Decisions of a JSON-lines output, as {@code at route kind detail}: state transitions and commands. */
    private static List<String> decisions(Path output) throws Exception {
        List<String> out = new ArrayList<>();
        java.util.Map<String, String> lastState = new java.util.HashMap<>();
        for (JsonNode n : BacktestReportTest.outputLines(output)) {
            JsonNode v = n.get("value");
            String at = n.get("timestamp").asText();
            switch (n.get("topic").asText()) {
                case "model.health.state" -> {
                    // A route's record is re-sent when its scopes change: a decision is a change of its state.
                    if (!v.get("state").equals(v.get("previous_state"))
                            && !v.get("state").asText().equals(lastState.put(v.get("route").asText(), v.get("state").asText()))) {
                        out.add(at + " " + v.get("route").asText() + " STATE " + v.get("state").asText());
                    }
                }
                case "model.reroute.commands", "model.reroute.commands.scoped" -> out.add(String.format(Locale.ROOT,
                        "%s %s %s %s %.0f%%", at, n.get("key").asText(),
                        v.get("action").asText(), v.hasNonNull("target") ? v.get("target").asText() : "null", v.get("weight").asDouble() * 100));
                default -> {
                }
            }
        }
        return out;
    }

    /** Multiset difference: each element of {@code b} cancels one equal element of {@code a}. */
    private static List<String> minus(List<String> a, List<String> b) {
        List<String> left = new ArrayList<>(a);
        b.forEach(left::remove);
        return left;
    }

    private static List<String> keys(JsonNode decisions) {
        List<String> out = new ArrayList<>();
        decisions.forEach(d -> out.add(d.get("at").asText() + " " + d.get("route").asText() + " " + d.get("kind").asText() + " "
                + d.get("detail").asText()));
        return out;
    }
}
