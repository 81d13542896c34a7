package io.modelhealth.alerts;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.modelhealth.schemas.HealthState;
import java.util.TreeMap;

/** One provider's routes and their last states, plus its open provider-wide alert (if any). */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ProviderState {
    TreeMap<String, HealthState> routes = new TreeMap<>();
    String openFingerprint;
    long openedAt;
    String summary;
    String description;
}
