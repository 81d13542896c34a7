package io.modelhealth.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Prometheus config and alert rules in {@code deploy/prometheus/}: valid for {@code promtool},
 * their unit tests pass, and every alert is complete (severity, summary, description, runbook) and
 * unit-tested both firing and not firing. Takes about a second; skipped where promtool is missing.
 */
class PromtoolTest {

    private static final String RUNBOOK = "https://github.com/model-health/model-health/blob/main/docs/runbook.md#";

    @Test
    void configIsValid() throws Exception {
        Result r = promtool("check", "config", "prometheus.yml");

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    @Test
    void rulesAreValid() throws Exception {
        Result r = promtool("check", "rules", "rules/model-health.rules.yml");

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: " + ObservabilityFiles.alertRules().size() + " rules found");
    }

    @Test
    void ruleUnitTestsPass() throws Exception {
        Result r = promtool("test", "rules", "rules/model-health.rules.test.yml");

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndItsRunbookAnchor() {
        List<ObservabilityFiles.Rule> rules = ObservabilityFiles.alertRules();

        assertThat(rules).extracting(ObservabilityFiles.Rule::alert).contains("ModelHealthDown", "ModelHealthLagging",
                "ModelHealthDeadLettersRising", "ModelHealthPanicGuardEngaged");
        assertThat(rules).allSatisfy(rule -> {
            assertThat(rule.labels().path("severity").asText()).as(rule.alert()).isIn("critical", "warning", "info");
            assertThat(rule.annotations().path("summary").asText()).as(rule.alert()).isNotBlank();
            assertThat(rule.annotations().path("description").asText()).as(rule.alert()).isNotBlank();
            assertThat(rule.annotations().path("runbook_url").asText()).as(rule.alert())
                    .isEqualTo(RUNBOOK + rule.alert().toLowerCase(Locale.ROOT));
        });
    }

    /** promtool passes a test whose alert is never evaluated: make sure each one is, both ways. */
    @Test
    void everyAlertIsUnitTestedFiringAndNotFiring() {
        Set<String> firing = new HashSet<>();
        Set<String> quiet = new HashSet<>();
        for (JsonNode test : ObservabilityFiles.readYaml(ObservabilityFiles.rulesTestFile()).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? quiet : firing).add(check.path("alertname").asText());
            }
        }
        List<String> alerts = new ArrayList<>();
        ObservabilityFiles.alertRules().forEach(r -> alerts.add(r.alert()));

        assertThat(firing).as("alerts tested firing").containsAll(alerts);
        assertThat(quiet).as("alerts tested not firing").containsAll(alerts);
    }

    /**
     * The rules files beside model-health.rules.yml: the Alertmanager sink's (its metrics exist only where the sink
     * runs) and the routing services' (routing-client metrics, never exported by the app). Each is valid, its unit
     * tests pass, and each of its alerts is tested firing and not firing, with its runbook anchor.
     */
    @ParameterizedTest
    @ValueSource(strings = {"alertmanager-sink", "routing-client"})
    void theOtherRulesFilesAreValidAndTestedBothWays(String name) throws Exception {
        Result check = promtool("check", "rules", "rules/" + name + ".rules.yml");
        Result test = promtool("test", "rules", "rules/" + name + ".rules.test.yml");

        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(test.exit()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS").doesNotContain("FAILED");
        Path dir = ObservabilityFiles.prometheusDir().resolve("rules");
        Set<String> firing = new HashSet<>();
        Set<String> quiet = new HashSet<>();
        for (JsonNode t : ObservabilityFiles.readYaml(dir.resolve(name + ".rules.test.yml")).path("tests")) {
            for (JsonNode c : t.path("alert_rule_test")) {
                (c.path("exp_alerts").isEmpty() ? quiet : firing).add(c.path("alertname").asText());
            }
        }
        List<String> alerts = new ArrayList<>();
        for (JsonNode group : ObservabilityFiles.readYaml(dir.resolve(name + ".rules.yml")).path("groups")) {
            for (JsonNode r : group.path("rules")) {
                alerts.add(r.path("alert").asText());
                assertThat(r.at("/annotations/runbook_url").asText()).isEqualTo(RUNBOOK + r.path("alert").asText().toLowerCase(Locale.ROOT));
            }
        }
        assertThat(alerts).isNotEmpty();
        assertThat(firing).containsAll(alerts);
        assertThat(quiet).containsAll(alerts);
    }

    private record Result(int exit, String output) {
    }

    private static Result promtool(String... args) throws IOException, InterruptedException {
        Path binary = findPromtool();
        assumeTrue(binary != null, "promtool not found (looked on PATH and in /usr/bin): install it (Debian: "
                + "apt-get install prometheus) to check deploy/prometheus/");
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(ObservabilityFiles.prometheusDir().toFile())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Path findPromtool() {
        return findBinary("promtool");
    }

    static Path findBinary(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        List<Path> candidates = new ArrayList<>();
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, name));
            }
        }
        candidates.add(Path.of("/usr/bin", name));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }
}
