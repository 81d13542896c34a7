package io.modelhealth.alerts.sink;

import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.schemas.Alert;
import java.time.Instant;
import java.util.Map;

/** {@code alert.v1} records as the app writes them (through {@link AlertFactory}). */
final class TestAlerts {

    static final String RUNBOOK = "https://example.com/model-health/docs/runbook.md";
    static final AlertFactory FACTORY = new AlertFactory(RUNBOOK, "http://model-health:8080");

    private TestAlerts() {
    }

    static Alert blocked(String route, Instant startsAt, String summary) {
        return route(AlertFactory.ROUTE_BLOCKED, AlertFactory.PAGE, route, startsAt, summary, null);
    }

    static Alert resolved(Alert firing, Instant endsAt) {
        return new Alert(firing.labels(), firing.annotations(), firing.startsAt(), endsAt, firing.generatorURL(),
                Alert.RESOLVED, firing.fingerprint());
    }

    static Alert route(String alertname, String severity, String route, Instant startsAt, String summary, Instant endsAt) {
        String provider = route.substring(0, route.indexOf('/'));
        String model = route.substring(route.indexOf('/') + 1);
        return FACTORY.routeAlert(alertname, severity, route, provider, model, Map.of(), summary,
                "description of " + summary, startsAt.toEpochMilli(), endsAt == null ? null : endsAt.toEpochMilli());
    }

    /** The same incident with another summary (the app re-sends a firing alert when its text changes). */
    static Alert withSummary(Alert a, String summary) {
        return route(a.labels().get("alertname"), a.labels().get("severity"), a.labels().get("route"), a.startsAt(),
                summary, null);
    }
}
