package io.modelhealth.alerts;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.modelhealth.schemas.HealthState;
import java.util.TreeMap;

/**
 * A provider's open provider-wide alert, as {@link ProviderProcessor} keeps it. {@link #routes} is read only from
 * entries of the earlier one-entry-per-provider form (every route's last state), which the processor splits.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ProviderState {
    TreeMap<String, HealthState> routes = new TreeMap<>();
    String openFingerprint;
    long openedAt;
    String summary;
    String description;
}
