package io.modelhealth.alerts.sink;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.modelhealth.schemas.Alert;
import java.time.Instant;
import java.util.Map;

/**
 * One element of Alertmanager's {@code POST /api/v2/alerts} body ({@code postableAlert} in its
 * OpenAPI spec): an {@code alert.v1} without {@code status} and {@code fingerprint}, which
 * Alertmanager does not take — it derives both from the labels and {@code endsAt}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
record PostableAlert(
        Map<String, String> labels,
        Map<String, String> annotations,
        Instant startsAt,
        Instant endsAt,
        String generatorURL) {

    /**
     * A firing alert that Alertmanager keeps active until {@code endsAt}, unless it is posted again
     * before then (as the sink does every resend interval).
     */
    static PostableAlert firing(Alert a, Instant endsAt) {
        return new PostableAlert(a.labels(), a.annotations(), a.startsAt(), endsAt, a.generatorURL());
    }

    /**
     * A resolution. Its end is the record's {@code endsAt}, but never later than {@code now}: an
     * end in the future would not resolve the alert in Alertmanager (it merges a "resolved" alert
     * whose end has not passed as a still-firing one and keeps the later end it already had).
     */
    static PostableAlert resolved(Alert a, Instant now) {
        Instant end = a.endsAt() == null || a.endsAt().isAfter(now) ? now : a.endsAt();
        Instant start = a.startsAt() != null && a.startsAt().isAfter(end) ? end : a.startsAt();
        return new PostableAlert(a.labels(), a.annotations(), start, end, a.generatorURL());
    }
}
