package io.modelhealth.topology;

import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;

/** One output of the route or fleet processor, split by type onto its topic. Never serialized itself. */
public sealed interface HealthEvent {

    record WindowClosed(HealthWindow window) implements HealthEvent {
    }

    record AnomalyChanged(Anomaly anomaly) implements HealthEvent {
    }

    record StateChanged(RouteStatus status) implements HealthEvent {
    }

    record CommandIssued(RerouteCommand command) implements HealthEvent {
    }

    record AlertChanged(Alert alert) implements HealthEvent {
    }

    /** For the fleet stage: a route's verdict, or a route task's watermark. */
    record ToFleet(FleetEvent event) implements HealthEvent {
    }

    /** A call the route stage will not judge (too late, or its route over {@code limits.max-routes}): never dropped silently. */
    record DeadLettered(DeadLetter dead, byte[] originalKey) implements HealthEvent {
    }
}
