package io.modelhealth.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.Alert;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertFactoryTest {

    static final String RUNBOOK = "https://example.com/runbook.md";
    static final long START = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();
    static final long END = START + 600_000;

    final AlertFactory factory = new AlertFactory(RUNBOOK, "http://model-health:8080");

    @Test
    void routeAlertIsShapedLikeAlertmanagersBody() {
        Alert a = factory.routeAlert(AlertFactory.ROUTE_BLOCKED, AlertFactory.PAGE, "anthropic/claude-fable-5", "anthropic",
                "claude-fable-5", Map.of(), "summary text", "description text", START, null);
        assertThat(a.labels()).containsExactly(Map.entry("alertname", "ModelRouteBlocked"), Map.entry("severity", "critical"),
                Map.entry("route", "anthropic/claude-fable-5"), Map.entry("provider", "anthropic"),
                Map.entry("model", "claude-fable-5"));
        assertThat(a.annotations()).containsExactly(Map.entry("summary", "summary text"),
                Map.entry("description", "description text"),
                Map.entry("runbook_url", RUNBOOK + "#modelrouteblocked"));
        assertThat(a.startsAt()).isEqualTo(Instant.ofEpochMilli(START));
        assertThat(a.endsAt()).isNull();
        assertThat(a.status()).isEqualTo(Alert.FIRING);
        assertThat(a.isFiring()).isTrue();
        assertThat(a.generatorURL()).isEqualTo("http://model-health:8080/api/routes/anthropic/claude-fable-5");
        assertThat(a.fingerprint()).matches("[0-9a-f]{16}");
    }

    @Test
    void resolvedRecordSharesTheFiringRecordsFingerprint() {
        Alert firing = factory.routeAlert(AlertFactory.ROUTE_UNAVAILABLE, AlertFactory.PAGE, "p/m", "p", "m", Map.of(),
                "down", "d1", START, null);
        Alert resolved = factory.routeAlert(AlertFactory.ROUTE_UNAVAILABLE, AlertFactory.PAGE, "p/m", "p", "m", Map.of(),
                "down, now with other words", "d2", START, END);
        assertThat(resolved.status()).isEqualTo(Alert.RESOLVED);
        assertThat(resolved.endsAt()).isEqualTo(Instant.ofEpochMilli(END));
        assertThat(resolved.fingerprint()).isEqualTo(firing.fingerprint());
        // the fingerprint is the documented function of name, subject and start: the engine relies on it
        assertThat(firing.fingerprint()).isEqualTo(AlertFactory.fingerprint(AlertFactory.ROUTE_UNAVAILABLE, "p/m[]", START));
    }

    @Test
    void differentIncidentsHaveDifferentFingerprints() {
        List<String> fps = List.of(
                AlertFactory.fingerprint(AlertFactory.ROUTE_UNAVAILABLE, "p/m[]", START),
                AlertFactory.fingerprint(AlertFactory.ROUTE_UNAVAILABLE, "p/m[]", START + 1),
                AlertFactory.fingerprint(AlertFactory.ROUTE_BLOCKED, "p/m[]", START),
                AlertFactory.fingerprint(AlertFactory.ROUTE_UNAVAILABLE, "p/n[]", START),
                factory.routeAlert(AlertFactory.ROUTE_ANOMALY, AlertFactory.WARNING, "p/m", "p", "m",
                        Map.of("metric", "error_ratio"), "s", "d", START, null).fingerprint(),
                factory.routeAlert(AlertFactory.ROUTE_ANOMALY, AlertFactory.WARNING, "p/m", "p", "m",
                        Map.of("metric", "latency_p95_ms"), "s", "d", START, null).fingerprint());
        assertThat(fps).doesNotHaveDuplicates();
        assertThat(AlertFactory.fingerprint(AlertFactory.ROUTE_UNAVAILABLE, "p/m[]", START))
                .isEqualTo(AlertFactory.fingerprint(AlertFactory.ROUTE_UNAVAILABLE, "p/m[]", START));
    }

    @Test
    void extraLabelsAreAddedAndTheFingerprintDoesNotDependOnTheirOrder() {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("metric", "error_ratio");
        ab.put("region", "eu");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("region", "eu");
        ba.put("metric", "error_ratio");
        Alert one = factory.routeAlert(AlertFactory.ROUTE_ANOMALY, AlertFactory.WARNING, "p/m", "p", "m", ab, "s", "d", START, null);
        Alert two = factory.routeAlert(AlertFactory.ROUTE_ANOMALY, AlertFactory.WARNING, "p/m", "p", "m", ba, "s", "d", START, END);
        assertThat(one.labels()).containsEntry("metric", "error_ratio").containsEntry("region", "eu");
        // a restarted instance may build the same labels in another order; the incident must keep its key
        assertThat(two.fingerprint()).isEqualTo(one.fingerprint());
        assertThat(two.labels()).isEqualTo(one.labels());
    }

    @Test
    void providerAlertHasNoRouteLabelSoItCanInhibitRouteAlerts() {
        Alert p = factory.providerAlert("anthropic", "most routes down", "desc", START, null);
        assertThat(p.labels()).containsExactly(Map.entry("alertname", AlertFactory.PROVIDER_OUTAGE),
                Map.entry("severity", "critical"), Map.entry("provider", "anthropic"));
        assertThat(p.annotations().get("runbook_url")).isEqualTo(RUNBOOK + "#modelprovideroutage");
        assertThat(p.generatorURL()).isEqualTo("http://model-health:8080/");
        assertThat(p.fingerprint()).isEqualTo(AlertFactory.fingerprint(AlertFactory.PROVIDER_OUTAGE, "anthropic", START));
        Alert resolved = factory.providerAlert("anthropic", "ok", "desc", START, END);
        assertThat(resolved.fingerprint()).isEqualTo(p.fingerprint());
        assertThat(resolved.status()).isEqualTo(Alert.RESOLVED);
    }

    @Test
    void withoutAStatusPageThereIsNoGeneratorUrl() {
        AlertFactory bare = new AlertFactory(RUNBOOK, null);
        assertThat(bare.routeAlert(AlertFactory.ROUTE_DEGRADED, AlertFactory.WARNING, "p/m", "p", "m", Map.of(), "s", "d",
                START, null).generatorURL()).isNull();
        assertThat(bare.providerAlert("p", "s", "d", START, null).generatorURL()).isNull();
    }
}
