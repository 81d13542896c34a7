package io.modelhealth.alerts.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * deploy/alertmanager/alertmanager.yml: valid for Alertmanager's own checker, routes pages and
 * warnings where its comments say, and holds the inhibit rules the runbook relies on.
 * (AlertmanagerIT runs it in a real Alertmanager.)
 */
class AlertmanagerConfigTest {

    private static final Path CONFIG = AlertmanagerTools.exampleConfig();

    private static Path amtool() {
        Optional<Path> amtool = AlertmanagerTools.binary(AlertmanagerTools.AMTOOL);
        assumeTrue(amtool.isPresent(), "amtool is not installed (Debian: apt-get install prometheus-alertmanager); skipped");
        return amtool.get();
    }

    @Test
    void passesAmtoolCheckConfig() {
        AlertmanagerTools.Result r = AlertmanagerTools.run(Duration.ofSeconds(30),
                List.of(amtool().toString(), "check-config", CONFIG.toString()));

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS").contains("3 inhibit rules").contains("2 receivers");
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "ModelRouteBlocked,            critical, pager",
        "ModelProviderOutage,          critical, pager",
        "ModelRouteNoFallback,         critical, pager",
        "ModelHealthDown,              critical, pager",
        "ModelRouteDegraded,           warning,  chat",
        "ModelRouteAnomaly,            warning,  chat",
        "ModelHealthDeadLettersRising, warning,  chat",
        "ModelHealthNoFallback,        warning,  chat",
    })
    void criticalAlertsPageAndWarningsGoToChat(String alertname, String severity, String receiver) {
        List<String> command = new ArrayList<>(List.of(amtool().toString(), "config", "routes", "test",
                "--config.file=" + CONFIG, "alertname=" + alertname, "severity=" + severity, "provider=anthropic"));
        AlertmanagerTools.Result r = AlertmanagerTools.run(Duration.ofSeconds(30), command);

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output().lines().filter(l -> !l.startsWith("Warning:")).toList()).containsExactly(receiver);
    }

    @Test
    void groupsByProviderAndAlertnameAndInhibitsPerRoutePagesDuringAProviderOutage() throws Exception {
        JsonNode config = new YAMLMapper().readTree(CONFIG.toFile());

        JsonNode route = config.path("route");
        assertThat(route.path("group_by")).extracting(JsonNode::asText).containsExactly("provider", "alertname");
        assertThat(route.path("group_wait").asText()).isEqualTo("10s");
        JsonNode rules = config.path("inhibit_rules");
        assertThat(rules).hasSize(3);
        JsonNode provider = rules.get(0);
        assertThat(provider.path("source_matchers")).extracting(JsonNode::asText).containsExactly("alertname=\"ModelProviderOutage\"");
        assertThat(provider.path("target_matchers")).extracting(JsonNode::asText)
                .containsExactly("severity=\"critical\"", "alertname=~\"ModelRoute.*\"");
        assertThat(provider.path("equal")).extracting(JsonNode::asText).containsExactly("provider");
        JsonNode warnings = rules.get(1);
        assertThat(warnings.path("target_matchers")).extracting(JsonNode::asText).contains("severity=\"warning\"");
        assertThat(warnings.path("equal")).extracting(JsonNode::asText).containsExactly("route");
        JsonNode backstop = rules.get(2);
        assertThat(backstop.path("target_matchers")).extracting(JsonNode::asText).containsExactly("alertname=\"ModelHealthNoFallback\"");
        assertThat(backstop.path("equal")).extracting(JsonNode::asText).containsExactly("route");
    }
}
