package io.modelhealth.alerts;

import io.modelhealth.schemas.Alert;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds {@code alert.v1} records. One incident = one fingerprint (alert name, subject and start
 * time), so the firing record and its resolution share a key on the alerts topic.
 */
public final class AlertFactory {

    public static final String ROUTE_BLOCKED = "ModelRouteBlocked";
    public static final String ROUTE_UNAVAILABLE = "ModelRouteUnavailable";
    public static final String ROUTE_DEGRADED = "ModelRouteDegraded";
    public static final String ROUTE_ANOMALY = "ModelRouteAnomaly";
    public static final String ROUTE_NO_FALLBACK = "ModelRouteNoFallback";
    public static final String ROUTE_REROUTE_HELD = "ModelRouteRerouteHeld";
    public static final String PROVIDER_OUTAGE = "ModelProviderOutage";

    /** Annotation naming who answers for the operator override active on the alert's route. */
    public static final String OVERRIDE_AUTHOR = "override_author";

    /** Severity of the alerts that page the on-call. */
    public static final String PAGE = "critical";
    public static final String WARNING = "warning";

    private final String runbookBaseUrl;
    private final String statusPageUrl;

    public AlertFactory(String runbookBaseUrl, String statusPageUrl) {
        this.runbookBaseUrl = runbookBaseUrl;
        this.statusPageUrl = statusPageUrl;
    }

    /** A per-route alert. {@code labelExtra} may add labels (e.g. the anomaly metric); may be empty. */
    public Alert routeAlert(String alertname, String severity, String route, String provider, String model,
                            Map<String, String> labelExtra, String summary, String description,
                            long startsAt, Long endsAt) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("alertname", alertname);
        labels.put("severity", severity);
        labels.put("route", route);
        labels.put("provider", provider);
        labels.put("model", model);
        // Sorted: the fingerprint must not depend on the iteration order of the caller's map
        // (Map.of's differs between JVM runs, and firing and resolved may come from different runs).
        Map<String, String> extra = new TreeMap<>(labelExtra);
        labels.putAll(extra);
        String subject = route + extra.values();
        String url = statusPageUrl == null ? null : statusPageUrl + "/api/routes/" + route;
        return build(alertname, labels, subject, summary, description, startsAt, endsAt, url);
    }

    /** A provider-wide alert: no route label, so it can inhibit every per-route alert of the provider. */
    public Alert providerAlert(String provider, String summary, String description, long startsAt, Long endsAt) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("alertname", PROVIDER_OUTAGE);
        labels.put("severity", PAGE);
        labels.put("provider", provider);
        String url = statusPageUrl == null ? null : statusPageUrl + "/";
        return build(PROVIDER_OUTAGE, labels, provider, summary, description, startsAt, endsAt, url);
    }

    private Alert build(String alertname, Map<String, String> labels, String subject, String summary,
                        String description, long startsAt, Long endsAt, String generatorUrl) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("summary", summary);
        annotations.put("description", description);
        annotations.put("runbook_url", runbookBaseUrl + "#" + alertname.toLowerCase(Locale.ROOT));
        return new Alert(labels, annotations, Instant.ofEpochMilli(startsAt),
                endsAt == null ? null : Instant.ofEpochMilli(endsAt), generatorUrl,
                endsAt == null ? Alert.FIRING : Alert.RESOLVED, fingerprint(alertname, subject, startsAt));
    }

    /** {@code alert} with one more annotation; labels and fingerprint unchanged. */
    public static Alert annotated(Alert alert, String name, String value) {
        Map<String, String> annotations = new LinkedHashMap<>(alert.annotations());
        annotations.put(name, value);
        return new Alert(alert.labels(), annotations, alert.startsAt(), alert.endsAt(), alert.generatorURL(), alert.status(),
                alert.fingerprint());
    }

    /** Stable id of one incident. */
    public static String fingerprint(String alertname, String subject, long startsAt) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest((alertname + "|" + subject + "|" + startsAt).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
