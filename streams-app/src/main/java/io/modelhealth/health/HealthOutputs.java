package io.modelhealth.health;

import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;

/**
 * Where the engine's decisions go. The topology forwards each to its topic with the given event
 * time as the record timestamp; tests collect them in a list.
 */
public interface HealthOutputs {

    void window(HealthWindow window, long timestamp);

    void anomaly(Anomaly anomaly, long timestamp);

    void state(RouteStatus status, long timestamp);

    void command(RerouteCommand command, long timestamp);

    void alert(Alert alert, long timestamp);

    /** A call arrived after its bucket closed (beyond the grace period). Counted, not used. */
    default void late(String route) {
    }

    /** First bad call → decision, in seconds of event time. */
    default void detected(String route, String rule, double seconds) {
    }
}
