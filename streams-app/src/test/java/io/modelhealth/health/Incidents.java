package io.modelhealth.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.Alert;
import java.util.List;

/**
 * Assertions on {@code alert.v1} records of one alert name. One incident is one fingerprint: it
 * fires once, may be re-sent while firing (same fingerprint and start, updated annotations — an
 * update in Alertmanager, not a new page) and resolves at most once, last.
 */
public final class Incidents {

    private Incidents() {
    }

    /** Asserts that {@code alerts} are exactly one incident, resolved or still firing; returns its first record. */
    public static Alert assertOneIncident(List<Alert> alerts, boolean resolved) {
        assertThat(alerts).as("alerts of one incident").isNotEmpty();
        Alert first = alerts.get(0);
        assertThat(first.status()).isEqualTo(Alert.FIRING);
        assertThat(first.endsAt()).isNull();
        for (Alert a : alerts) {
            assertThat(a.fingerprint()).as("one fingerprint per incident").isEqualTo(first.fingerprint());
            assertThat(a.startsAt()).isEqualTo(first.startsAt());
            assertThat(a.labels()).isEqualTo(first.labels());
        }
        List<Alert> firing = alerts.subList(0, resolved ? alerts.size() - 1 : alerts.size());
        assertThat(firing).as("firing records").allMatch(Alert::isFiring);
        if (resolved) {
            Alert last = alerts.get(alerts.size() - 1);
            assertThat(last.status()).isEqualTo(Alert.RESOLVED);
            assertThat(last.endsAt()).isNotNull().isAfterOrEqualTo(first.startsAt());
        }
        return first;
    }

    public static List<String> fingerprints(List<Alert> alerts) {
        return alerts.stream().map(Alert::fingerprint).distinct().toList();
    }
}
