package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Map;

/**
 * {@code alert.v1}: shaped like one element of Alertmanager's {@code POST /api/v2/alerts} body, plus
 * {@code status} and {@code fingerprint}. Keyed by fingerprint: one fingerprint per incident, so a
 * firing alert and its resolution share a key.
 *
 * @param labels       identity: {@code alertname}, {@code route}, {@code provider}, {@code model}, {@code severity}
 * @param annotations  {@code summary}, {@code description}, {@code runbook_url}
 * @param startsAt     when the incident started (event time)
 * @param endsAt       when it ended; null while firing
 * @param generatorURL link back to the route's status (optional)
 * @param status       {@code firing} or {@code resolved}
 * @param fingerprint  stable id of the incident
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
public record Alert(
        Map<String, String> labels,
        Map<String, String> annotations,
        Instant startsAt,
        Instant endsAt,
        String generatorURL,
        String status,
        String fingerprint) {

    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    @JsonIgnore
    public boolean isFiring() {
        return FIRING.equals(status);
    }
}
