package io.modelhealth.health;

import com.fasterxml.jackson.annotation.JsonAutoDetect;

/**
 * An alert that fired and is not yet resolved: what is needed to re-send it (same fingerprint, new
 * facts) and to resolve it. Kept in a route's state (anomaly alerts) and in the fleet stage's
 * (incident alerts).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public final class OpenAlert {
    String fingerprint;
    long startsAt;
    String severity;
    String summary;
    String description;

    OpenAlert() {
    }

    public OpenAlert(String fingerprint, long startsAt, String severity, String summary, String description) {
        this.fingerprint = fingerprint;
        this.startsAt = startsAt;
        this.severity = severity;
        this.summary = summary;
        this.description = description;
    }

    public long startsAt() {
        return startsAt;
    }

    public String severity() {
        return severity;
    }

    public String summary() {
        return summary;
    }

    public String description() {
        return description;
    }

    /** Same incident, new facts. */
    public void update(String summary, String description) {
        this.summary = summary;
        this.description = description;
    }
}
